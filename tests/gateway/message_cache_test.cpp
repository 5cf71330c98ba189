#include "gateway/message_cache.hpp"

#include <gtest/gtest.h>

namespace feedpop::gateway {
namespace {

MessageCache::Bytes bytes(std::size_t n, char c = 'x') {
  return std::make_shared<const std::string>(n, c);
}

TEST(MessageCache, AHitReturnsTheSameSharedBytesAndCountsHitsAndMisses) {
  MessageCache cache(1000);
  EXPECT_EQ(cache.find(1), nullptr);
  const auto m = bytes(100);
  cache.insert(1, m);
  EXPECT_EQ(cache.find(1), m); // the same object: no copy
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.size_bytes(), 100u);
}

TEST(MessageCache, EvictsTheLeastRecentlyUsedToStayWithinItsBudget) {
  MessageCache cache(1000);
  cache.insert(1, bytes(250));
  cache.insert(2, bytes(250));
  cache.insert(3, bytes(250));
  cache.insert(4, bytes(250));
  ASSERT_NE(cache.find(1), nullptr); // 1 becomes the most recent; 2 is now the oldest
  cache.insert(5, bytes(250));
  EXPECT_EQ(cache.find(2), nullptr);
  EXPECT_NE(cache.find(1), nullptr);
  EXPECT_NE(cache.find(3), nullptr);
  EXPECT_NE(cache.find(5), nullptr);
  EXPECT_LE(cache.size_bytes(), 1000u);
}

TEST(MessageCache, BytesHeldByAReaderOutliveTheirEviction) {
  MessageCache cache(400);
  cache.insert(1, bytes(100, 'a'));
  const auto held = cache.find(1);
  for (int id = 2; id < 10; ++id) {
    cache.insert(id, bytes(100));
  }
  EXPECT_EQ(cache.find(1), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(*held, std::string(100, 'a'));
}

TEST(MessageCache, MessagesOverAQuarterOfTheBudgetAndADisabledCacheStoreNothing) {
  MessageCache cache(1000);
  cache.insert(1, bytes(251));
  EXPECT_EQ(cache.find(1), nullptr);
  MessageCache off(0);
  off.insert(1, bytes(1));
  EXPECT_EQ(off.find(1), nullptr);
  EXPECT_EQ(off.size_bytes(), 0u);
}

TEST(MessageCache, ASecondInsertOfTheSameIdKeepsOneCopy) {
  MessageCache cache(1000);
  cache.insert(7, bytes(100));
  cache.insert(7, bytes(100));
  EXPECT_EQ(cache.size_bytes(), 100u);
}

} // namespace
} // namespace feedpop::gateway
