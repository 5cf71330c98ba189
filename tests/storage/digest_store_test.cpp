// Store's digest half (store.hpp "digests") on both backends.

#include <gtest/gtest.h>

#include "storage/store.hpp"
#include "tests/storage/backends.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

NewEntry entry(const std::string& identity, bool with_item = true) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = "h-" + identity;
  e.message = "Subject: " + identity + "\r\n\r\nbody\r\n";
  if (with_item) {
    e.digest_item = std::string("item of ") + identity + std::string("\0\xff", 2);
  }
  return e;
}

NewEntry digest_message(const std::string& identity) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = identity;
  e.message = "Subject: digest " + identity + "\r\n\r\nall of it\r\n";
  return e;
}

class DigestStoreTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  Time clock_now = Time(std::chrono::seconds(1'700'000'000));
  std::unique_ptr<Store> store;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    StoreOptions options;
    options.clock = [this] { return clock_now; };
    store = db.open(Role::writer, options);
  }
  void insert(const std::string& feed, const std::vector<NewEntry>& entries) {
    FeedState s;
    s.key = feed;
    store->insert_entries(feed, entries, s);
  }
  std::vector<std::string> pending(const std::string& digest, std::vector<std::string> feeds,
                                   Time until) {
    std::vector<std::string> out;
    for (const auto& p : store->pending_digest_items(digest, feeds, until)) {
      out.push_back(p.feed_key + ":" + p.item.substr(8, p.item.size() - 10));
      EXPECT_EQ(p.item.substr(p.item.size() - 2), std::string("\0\xff", 2)) << "binary safe";
    }
    return out;
  }
};

TEST_P(DigestStoreTest, PendingItemsAreThoseOfDeliveredEntriesInArrivalOrderAcrossFeeds) {
  insert("lwn", {entry("a"), entry("no-item", false)});
  NewEntry unseen = entry("skipped");
  unseen.deliver = false;
  unseen.message.clear();
  insert("lwn", {unseen});
  clock_now += std::chrono::seconds(10);
  insert("hn", {entry("b")});
  insert("lwn", {entry("c")});
  EXPECT_EQ(pending("D", {"lwn", "hn"}, clock_now),
            (std::vector<std::string>{"lwn:a", "hn:b", "lwn:c"}));
  EXPECT_EQ(pending("D", {"lwn"}, clock_now - std::chrono::seconds(1)),
            (std::vector<std::string>{"lwn:a"}))
      << "entries first seen after `until` wait for the next period";
  EXPECT_TRUE(pending("D", {"unknown"}, clock_now).empty());
}

TEST_P(DigestStoreTest, StoredDigestIsAnEntryOfItsKeyAndCoversItsItemsOnce) {
  insert("lwn", {entry("a"), entry("b")});
  const auto items = store->pending_digest_items("lwn/.digest", {"lwn"}, clock_now);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(
      store->store_digest("lwn/.digest", "P1", {digest_message("P1")}, {items[0].id, items[1].id}));
  EXPECT_TRUE(pending("lwn/.digest", {"lwn"}, clock_now).empty());
  EXPECT_EQ(pending("alice/.digest", {"lwn"}, clock_now).size(), 2u)
      << "another digest covering the same feed still has them";
  const auto box = store->snapshot("alice", {"lwn/.digest"});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(testing::read_whole(*store, box[0].id), "Subject: digest P1\r\n\r\nall of it\r\n");

  // Building the same period again stores nothing and covers nothing.
  insert("lwn", {entry("c")});
  const auto later = store->pending_digest_items("lwn/.digest", {"lwn"}, clock_now);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_FALSE(store->store_digest("lwn/.digest", "P1", {digest_message("P1")}, {later[0].id}));
  EXPECT_EQ(store->snapshot("alice", {"lwn/.digest"}).size(), 1u);
  EXPECT_EQ(pending("lwn/.digest", {"lwn"}, clock_now), (std::vector<std::string>{"lwn:c"}));
}

TEST_P(DigestStoreTest, DigestPartsAreStoredTogetherAndRetentionDropsItems) {
  insert("lwn", {entry("a"), entry("b"), entry("c")});
  EXPECT_TRUE(store->store_digest("lwn/.digest", "P",
                                  {digest_message("P#1/2"), digest_message("P#2/2")}, {}));
  EXPECT_EQ(store->snapshot("bob", {"lwn/.digest"}).size(), 2u);
  EXPECT_EQ(store->purge_retention("lwn", std::nullopt, 1, clock_now, {}), 2u);
  EXPECT_EQ(pending("lwn/.digest", {"lwn"}, clock_now), (std::vector<std::string>{"lwn:c"}))
      << "purged entries are never digested";
}

// What ingest/digest.cpp relies on when a period holds only notices, and to keep a removed
// digest's entries from coming back: coverage without messages, deletions of covered entries.
TEST_P(DigestStoreTest, CoverageWithoutMessagesAndDeletionsOfCoveredEntriesHold) {
  insert("lwn", {entry("notice"), entry("a")});
  const auto items = store->pending_digest_items(".digest/user/alice", {"lwn"}, clock_now);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(store->store_digest(".digest/user/alice", "P1", {}, {items[0].id}));
  EXPECT_EQ(pending(".digest/user/alice", {"lwn"}, clock_now), (std::vector<std::string>{"lwn:a"}));
  EXPECT_TRUE(store->snapshot("alice", {".digest/user/alice"}).empty()) << "nothing to send";
  store->commit_deletions("alice", {items[0].id});
  const auto box = store->snapshot("alice", {"lwn"});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box[0].id, items[1].id);
  EXPECT_EQ(store->snapshot("bob", {"lwn"}).size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DigestStoreTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
