// Poll leases: several nodes share one PostgreSQL database and each feed is polled by one
// node at a time. Two Store connections stand for two nodes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/store.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using namespace std::chrono_literals;
using testing::Backend;
using testing::BackendDatabase;

class LeaseTest : public ::testing::Test {
protected:
  BackendDatabase db{Backend::postgresql};
  std::unique_ptr<Store> node_a;
  std::unique_ptr<Store> node_b;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    node_a = db.open(Role::writer);
    node_b = db.open(Role::writer);
  }
};

TEST_F(LeaseTest, OneNodeHoldsAFeedUntilItReleasesIt) {
  EXPECT_TRUE(node_a->acquire_feed_lease("lwn", "a", 60s));
  EXPECT_FALSE(node_b->acquire_feed_lease("lwn", "b", 60s));
  EXPECT_FALSE(node_b->renew_feed_lease("lwn", "b", 60s));    // renew never takes a lease
  EXPECT_TRUE(node_b->acquire_feed_lease("other", "b", 60s)); // leases are per feed
  // The holder extends its own lease.
  EXPECT_TRUE(node_a->acquire_feed_lease("lwn", "a", 60s));
  EXPECT_TRUE(node_a->renew_feed_lease("lwn", "a", 60s));
  node_b->release_feed_lease("lwn", "b"); // not b's: no effect
  EXPECT_FALSE(node_b->acquire_feed_lease("lwn", "b", 60s));
  node_a->release_feed_lease("lwn", "a");
  EXPECT_TRUE(node_b->acquire_feed_lease("lwn", "b", 60s));
  EXPECT_FALSE(node_a->renew_feed_lease("lwn", "a", 60s));
}

TEST_F(LeaseTest, AnExpiredLeaseIsTakenOver) {
  // Node a "dies" holding the lease: it is never renewed nor released.
  ASSERT_TRUE(node_a->acquire_feed_lease("lwn", "a", 200ms));
  EXPECT_FALSE(node_b->acquire_feed_lease("lwn", "b", 60s));
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(node_b->acquire_feed_lease("lwn", "b", 60s));
  // The old holder finds out at its next renewal and must stop polling.
  EXPECT_FALSE(node_a->renew_feed_lease("lwn", "a", 60s));
  EXPECT_FALSE(node_a->acquire_feed_lease("lwn", "a", 60s));
}

TEST_F(LeaseTest, OfNodesRacingForEveryFeedExactlyOneWinsEach) {
  constexpr int feeds = 200;
  std::atomic<int> won_a{0};
  std::atomic<int> won_b{0};
  auto race = [&](Store& store, const char* node, std::atomic<int>& won) {
    for (int i = 0; i < feeds; ++i) {
      // Built by append: GCC 12 -O3 reports a false -Wrestrict on "f" + std::string.
      std::string key(1, 'f');
      key.append(std::to_string(i));
      won += store.acquire_feed_lease(key, node, 60s) ? 1 : 0;
    }
  };
  std::thread a([&] { race(*node_a, "a", won_a); });
  std::thread b([&] { race(*node_b, "b", won_b); });
  a.join();
  b.join();
  EXPECT_EQ(won_a + won_b, feeds);
}

TEST(SqliteLease, ASingleNodeStoreGrantsEveryLease) {
  BackendDatabase db(Backend::sqlite);
  auto store = db.open(Role::writer);
  EXPECT_TRUE(store->acquire_feed_lease("lwn", "a", 60s));
  EXPECT_TRUE(store->acquire_feed_lease("lwn", "b", 60s));
  EXPECT_TRUE(store->renew_feed_lease("lwn", "b", 60s));
}

// Two nodes can store the same entry (a lease ran out while the first node polled): the
// second finds it known, and the entry's bytes, digest item and tags stay one copy each.
// An entry not delivered stores none of them.
TEST_F(LeaseTest, AnEntryBothNodesStoreIsStoredOnceWithItsBytesItemAndTags) {
  NewEntry e;
  e.identity = "b1";
  e.content_hash = "h1";
  e.message = std::string("Subject: b1\r\n\r\nbody \0\xff\r\n", 25);
  e.digest_item = std::string("item\0\xff", 6);
  e.tags = {"rust", "go"};
  NewEntry seen = e;
  seen.identity = "b2";
  seen.deliver = false;
  FeedState state;
  state.key = "blog";
  EXPECT_EQ(node_a->insert_entries("blog", {e, seen}, state), (std::vector<bool>{true, true}));
  EXPECT_EQ(node_b->insert_entries("blog", {e, seen}, state), (std::vector<bool>{false, false}));
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM entries"), 2);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM messages"), 1);
  EXPECT_EQ(db.scalar("SELECT octet_length(bytes) FROM messages"), 25);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM digest_items"), 1);
  EXPECT_EQ(db.scalar("SELECT octet_length(item) FROM digest_items"), 6);
  EXPECT_EQ(db.column("SELECT tag FROM entry_tags ORDER BY tag"),
            (std::vector<std::string>{"go", "rust"}));
  std::string read(64, '\0');
  const auto items = node_b->snapshot("alice", {"blog"});
  ASSERT_EQ(items.size(), 1U);
  read.resize(node_b->read_at(items[0].id, 0, read.data(), read.size()));
  EXPECT_EQ(read, e.message);
}

} // namespace
} // namespace feedpop::storage
