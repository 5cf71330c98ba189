// User-added feeds: stored with their owner, keys unique per owner, survive reopening.

#include <gtest/gtest.h>

#include "storage/store.hpp"
#include "tests/storage/temp_dir.hpp"

namespace feedpop::storage {
namespace {

using testing::TempDir;

UserFeed feed(const std::string& owner, const std::string& key) {
  UserFeed f;
  f.owner = owner;
  f.key = key;
  f.url = "https://example.org/" + key + ".xml";
  f.tags = {"news", "tech"};
  f.created = Time(std::chrono::seconds(1700000000));
  return f;
}

TEST(UserFeeds, AreAddedListedPerOwnerAndCounted) {
  TempDir dir;
  auto store = open_sqlite_store(dir.file("s.db"), Role::writer);
  EXPECT_TRUE(store->add_user_feed(feed("alice", "lwn")));
  EXPECT_TRUE(store->add_user_feed(feed("alice", "hn")));
  EXPECT_TRUE(store->add_user_feed(feed("bob", "lwn"))); // same key, other owner
  EXPECT_FALSE(store->add_user_feed(feed("alice", "lwn")));
  EXPECT_EQ(store->count_user_feeds("alice"), 2u);
  EXPECT_EQ(store->count_user_feeds("bob"), 1u);
  EXPECT_EQ(store->count_user_feeds("carol"), 0u);
  const auto alice = store->user_feeds("alice");
  ASSERT_EQ(alice.size(), 2u);
  EXPECT_EQ(alice[0].key, "hn");
  EXPECT_EQ(alice[1].key, "lwn");
  EXPECT_EQ(alice[1].url, "https://example.org/lwn.xml");
  EXPECT_EQ(alice[1].tags, (std::vector<std::string>{"news", "tech"}));
  EXPECT_EQ(alice[1].created, Time(std::chrono::seconds(1700000000)));
  EXPECT_FALSE(alice[1].paused);
  EXPECT_EQ(store->user_feeds("").size(), 3u);
}

TEST(UserFeeds, PauseResumeAndRemoveReportUnknownKeys) {
  TempDir dir;
  const auto path = dir.file("s.db");
  {
    auto store = open_sqlite_store(path, Role::writer);
    ASSERT_TRUE(store->add_user_feed(feed("alice", "lwn")));
    EXPECT_TRUE(store->set_user_feed_paused("alice", "lwn", true));
    EXPECT_FALSE(store->set_user_feed_paused("alice", "nope", true));
    EXPECT_FALSE(store->set_user_feed_paused("bob", "lwn", true));
  }
  auto reader = open_sqlite_store(path, Role::reader);
  ASSERT_EQ(reader->user_feeds("alice").size(), 1u);
  EXPECT_TRUE(reader->user_feeds("alice")[0].paused);
  EXPECT_TRUE(reader->set_user_feed_paused("alice", "lwn", false));
  EXPECT_FALSE(reader->user_feeds("alice")[0].paused);
  EXPECT_FALSE(reader->remove_user_feed("bob", "lwn"));
  EXPECT_TRUE(reader->remove_user_feed("alice", "lwn"));
  EXPECT_FALSE(reader->remove_user_feed("alice", "lwn"));
  EXPECT_EQ(reader->count_user_feeds("alice"), 0u);
}

} // namespace
} // namespace feedpop::storage
