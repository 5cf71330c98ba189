// The readers' MailboxCache (storage/mailbox_cache.hpp): a listing served from remembered
// feed lists always equals what the database holds at that moment, whoever changed it —
// ingest, a deletion on another node, a retention purge, a feed stored later — and stays one
// consistent state under concurrent ingest. Both backends (…/sqlite, …/postgresql).
#include "storage/mailbox_cache.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "storage/store.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

NewEntry entry(const std::string& identity) {
  // Initialised, not assigned: GCC 12 -O3 reports a false -Wrestrict on assigning a
  // literal to a std::string member.
  return NewEntry{
      identity,
      std::string(1, 'h'),
      fmt::format("Subject: {}\r\n\r\nbody {:x<{}}\r\n", identity, "", identity.size() * 7),
      std::nullopt,
      true,
      {}};
}

std::vector<std::string> listing(const std::vector<MailboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.push_back(fmt::format("{} {} {} {}", i.id, i.uidl, i.size, i.feed_key));
  }
  return out;
}

class MailboxCacheTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  Time clock_now = Time(std::chrono::seconds(1'700'000'000));
  std::unique_ptr<Store> writer;
  std::shared_ptr<MailboxCache> cache = std::make_shared<MailboxCache>();

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    writer = open(Role::writer, nullptr);
  }
  // A reader sharing `shared` (one node's POP3 readers), or with a cache of its own.
  std::unique_ptr<Store> open(Role role, std::shared_ptr<MailboxCache> shared) {
    StoreOptions options;
    options.clock = [this] { return clock_now; };
    options.mailbox_cache = std::move(shared);
    return db.open(role, options);
  }
  void insert(const std::string& feed, const std::vector<std::string>& identities) {
    std::vector<NewEntry> entries;
    for (const auto& id : identities) {
      entries.push_back(entry(id));
    }
    writer->insert_entries(feed, entries, FeedState{});
  }
  // What a reader with nothing remembered lists (the reference).
  std::vector<std::string> fresh(const std::string& user, const std::vector<std::string>& keys) {
    return listing(open(Role::reader, nullptr)->snapshot(user, keys));
  }
};

TEST_P(MailboxCacheTest, EntriesIngestedAfterAListingAppearInTheNext) {
  insert("a", {"a1", "a2"});
  insert("b", {"b1"});
  auto reader = open(Role::reader, cache);
  auto other = open(Role::reader, cache); // another pooled reader of the same node
  EXPECT_EQ(reader->snapshot("alice", {"a", "b"}).size(), 3u);
  EXPECT_GT(cache->bytes(), 0u);

  insert("b", {"b2"});
  insert("a", {"a3"});
  const auto box = other->snapshot("alice", {"a", "b"});
  ASSERT_EQ(box.size(), 5u);
  EXPECT_EQ(box[3].uidl, derive_uidl("b", "b2"));
  EXPECT_EQ(box[4].uidl, derive_uidl("a", "a3"));
  EXPECT_EQ(listing(box), fresh("alice", {"a", "b"}));
  EXPECT_EQ(listing(reader->snapshot("alice", {"a", "b"})), fresh("alice", {"a", "b"}));
}

TEST_P(MailboxCacheTest, DeletionsCommittedOnAnotherNodeAreLeftOut) {
  insert("a", {"a1", "a2", "a3"});
  auto node1 = open(Role::reader, cache);
  auto node2 = open(Role::reader, std::make_shared<MailboxCache>());
  const auto before = node1->snapshot("alice", {"a"});
  ASSERT_EQ(before.size(), 3u);
  node2->commit_deletions("alice", {before[1].id});
  const auto after = node1->snapshot("alice", {"a"});
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[1].id, before[2].id);
  EXPECT_EQ(node1->snapshot("bob", {"a"}).size(), 3u); // alice's deletion only
  // And the other way round: node 1 deletes, node 2 (which listed before) sees it.
  EXPECT_EQ(node2->snapshot("alice", {"a"}).size(), 2u);
  node1->commit_deletions("alice", {before[0].id});
  EXPECT_EQ(node2->snapshot("alice", {"a"}).size(), 1u);
}

TEST_P(MailboxCacheTest, ARetentionPurgeLeavesTheNextListing) {
  insert("a", {"a1", "a2", "a3"});
  insert("b", {"b1"});
  auto reader = open(Role::reader, cache);
  ASSERT_EQ(reader->snapshot("alice", {"a", "b"}).size(), 4u);
  EXPECT_EQ(writer->purge_retention("a", std::nullopt, 1, clock_now, {}), 2u);
  const auto box = reader->snapshot("alice", {"a", "b"});
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[0].uidl, derive_uidl("a", "a3"));
  EXPECT_EQ(box[1].uidl, derive_uidl("b", "b1"));
  EXPECT_EQ(listing(box), fresh("alice", {"a", "b"}));
}

TEST_P(MailboxCacheTest, AFeedStoredAfterTheFirstListingAppears) {
  insert("a", {"a1"});
  auto reader = open(Role::reader, cache);
  EXPECT_EQ(reader->snapshot("alice", {"a", "later"}).size(), 1u);
  insert("later", {"l1"});
  const auto box = reader->snapshot("alice", {"a", "later"});
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[1].feed_key, "later");
}

TEST_P(MailboxCacheTest, AKeyListedTwiceListsItsEntriesOnce) {
  insert("a", {"a1", "a2"});
  auto reader = open(Role::reader, cache);
  EXPECT_EQ(reader->snapshot("alice", {"a", "a"}).size(), 2u);
  EXPECT_EQ(reader->snapshot("alice", {"a", "nothing", "a"}).size(), 2u);
}

TEST_P(MailboxCacheTest, AListingIsTheSnapshotAndOutlivesItsStoreAndCache) {
  insert("a", {"a1", "a2"});
  insert("b", {"b1"});
  insert("a", {"a3"});
  MailboxListing kept;
  std::vector<MailboxItem> items;
  {
    auto reader = open(Role::reader, std::make_shared<MailboxCache>());
    items = reader->snapshot("alice", {"a", "b"});
    reader->commit_deletions("alice", {items[1].id});
    items.erase(items.begin() + 1);
    kept = reader->listing("alice", {"b", "a"});
  }
  ASSERT_EQ(kept.ids.size(), items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(kept.ids[i], items[i].id);
    EXPECT_EQ(kept.sizes[i], items[i].size);
    EXPECT_EQ(kept.uidls[i], items[i].uidl);
  }
}

// Random ingest, deletions and purges on the writer and a second node, each followed by a
// listing from the long-lived reader: always what a reader that remembers nothing lists.
// A cache too small for what it holds forgets everything and still answers right.
TEST_P(MailboxCacheTest, ListingsAlwaysMatchAReaderThatRemembersNothing) {
  for (const std::size_t budget : {MailboxCache::default_max_bytes, std::size_t{600}}) {
    auto shared = std::make_shared<MailboxCache>(budget);
    auto reader = open(Role::reader, shared);
    auto node2 = open(Role::reader, std::make_shared<MailboxCache>());
    const std::vector<std::string> keys{"a", "b", "c", "d"};
    std::mt19937 rng(budget == 600 ? 7 : 11);
    int next = 0;
    for (int step = 0; step < 60; ++step) {
      const std::string& feed = keys[rng() % keys.size()];
      switch (rng() % 4) {
      case 0:
      case 1:
        insert(feed, {fmt::format("{}-{}-{}", feed, budget, next++)});
        break;
      case 2: {
        const auto box = node2->snapshot("alice", keys);
        if (!box.empty()) {
          node2->commit_deletions("alice", {box[rng() % box.size()].id});
        }
        break;
      }
      default:
        writer->purge_retention(feed, std::nullopt, 2 + rng() % 3, clock_now, {});
      }
      ASSERT_EQ(listing(reader->snapshot("alice", keys)), fresh("alice", keys)) << "step " << step;
    }
  }
}

// Readers listing on four threads while one writer ingests into two feeds: every listing is
// the state after some whole number of the writer's commits (all of them in arrival order,
// none missing before the last one seen).
TEST_P(MailboxCacheTest, ListingsUnderConcurrentIngestAreOneConsistentState) {
  insert("a", {"0"});
  std::atomic<bool> writing{true};
  std::thread ingest([&] {
    for (int i = 1; i <= 60; ++i) {
      insert(i % 2 ? "b" : "a", {std::to_string(i)});
    }
    writing = false;
  });
  std::vector<std::vector<std::vector<EntryId>>> seen(4);
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      auto store = open(Role::reader, cache);
      for (bool last_round = false; !last_round;) {
        last_round = !writing; // this listing starts after the writer's last commit
        std::vector<EntryId> ids;
        for (const auto& item : store->snapshot("alice", {"a", "b"})) {
          ids.push_back(item.id);
        }
        seen[static_cast<std::size_t>(r)].push_back(std::move(ids));
      }
    });
  }
  ingest.join();
  for (auto& t : readers) {
    t.join();
  }
  const auto all = writer->snapshot("w", {"a", "b"});
  ASSERT_EQ(all.size(), 61u);
  std::vector<EntryId> order;
  for (const auto& item : all) {
    order.push_back(item.id);
  }
  for (const auto& per_reader : seen) {
    std::size_t last = 0;
    for (const auto& ids : per_reader) {
      ASSERT_FALSE(ids.empty());
      // A prefix of the final list (ids are handed out in commit order), never shrinking.
      ASSERT_LE(ids.size(), order.size());
      EXPECT_TRUE(std::equal(ids.begin(), ids.end(), order.begin()));
      EXPECT_GE(ids.size(), last);
      last = ids.size();
    }
    EXPECT_EQ(last, 61u); // the listing after the writer finished saw everything
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MailboxCacheTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
