// The MailboxCache's change watermark on PostgreSQL (pg_mailbox.cpp): a login reloads the
// feeds changed since the snapshot the cache last listed at, and only those, even while a
// long transaction elsewhere on the server holds every snapshot's xmin back; a change that
// was still running at the last login is loaded by the next. Counted with
// pg_mailbox_reads() (feeds and entry rows the logins loaded); PostgreSQL only.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "storage/mailbox_cache.hpp"
#include "storage/pg_conn.hpp"
#include "storage/pg_store.hpp"
#include "storage/store.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

std::vector<std::string> listing(const std::vector<MailboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.push_back(fmt::format("{} {} {} {}", i.id, i.uidl, i.size, i.feed_key));
  }
  return out;
}

// What the logins between two readings of pg_mailbox_reads() loaded.
struct Loaded {
  std::uint64_t feeds;
  std::uint64_t rows;
};

class PgSnapshotTest : public ::testing::Test {
protected:
  BackendDatabase db{Backend::postgresql};
  std::unique_ptr<Store> writer;
  std::shared_ptr<MailboxCache> cache = std::make_shared<MailboxCache>();
  std::unique_ptr<Store> reader;
  std::vector<std::string> keys;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    writer = db.open(Role::writer);
    StoreOptions options;
    options.mailbox_cache = cache;
    reader = db.open(Role::reader, options);
  }
  void insert(const std::string& feed, const std::vector<std::string>& identities) {
    std::vector<NewEntry> entries;
    for (const auto& id : identities) {
      entries.push_back(NewEntry{id,
                                 std::string(1, 'h'),
                                 fmt::format("Subject: {}\r\n\r\nbody\r\n", id),
                                 std::nullopt,
                                 true,
                                 {}});
    }
    writer->insert_entries(feed, entries, FeedState{});
  }
  // One login through the shared cache: its listing, and what it loaded into `loaded`.
  std::vector<std::string> login(Loaded& loaded) {
    const PgMailboxReads before = pg_mailbox_reads();
    auto box = listing(reader->snapshot("alice", keys));
    const PgMailboxReads after = pg_mailbox_reads();
    loaded =
        Loaded{after.loaded_feeds - before.loaded_feeds, after.loaded_rows - before.loaded_rows};
    return box;
  }
  // What a reader with nothing remembered lists (the reference).
  std::vector<std::string> fresh() {
    return listing(db.open(Role::reader)->snapshot("alice", keys));
  }
};

TEST_F(PgSnapshotTest, ALongTransactionDoesNotMakeLoginsReloadFeedsAlreadySeen) {
  constexpr int feeds = 8;
  for (int f = 0; f < feeds; ++f) {
    keys.push_back(fmt::format("feed{}", f));
    insert(keys.back(), {keys.back() + "-1", keys.back() + "-2", keys.back() + "-3"});
  }
  // Another session's transaction with an xid, open across every login below: the xmin of
  // every snapshot stays at its xid.
  pg::Connection held(db.url());
  held.exec("BEGIN");
  held.exec("SELECT pg_current_xact_id()");

  Loaded loaded{};
  EXPECT_EQ(login(loaded), fresh());
  EXPECT_EQ(loaded.feeds, static_cast<std::uint64_t>(feeds));
  for (int round = 0; round < 2 * feeds; ++round) {
    const std::string& key = keys[static_cast<std::size_t>(round % feeds)];
    insert(key, {fmt::format("{}-new{}", key, round)});
    const auto box = login(loaded);
    // Only the feed that changed since the last login, with its entries (3 + the new ones).
    EXPECT_EQ(loaded.feeds, 1u) << "round " << round;
    EXPECT_EQ(loaded.rows, static_cast<std::uint64_t>(3 + 1 + round / feeds)) << "round " << round;
    EXPECT_EQ(box, fresh()) << "round " << round;
  }
  // Nothing changed: nothing loaded.
  EXPECT_EQ(login(loaded).size(), static_cast<std::size_t>(feeds * 3 + 2 * feeds));
  EXPECT_EQ(loaded.feeds, 0u);
  held.exec("ROLLBACK");
}

TEST_F(PgSnapshotTest, AChangeStillRunningAtALoginIsLoadedByTheNext) {
  keys = {"a", "b"};
  insert("a", {"a1", "a2"});
  insert("b", {"b1"});
  pg::Connection held(db.url());
  held.exec("BEGIN");
  held.exec("SELECT pg_current_xact_id()");
  Loaded loaded{};
  ASSERT_EQ(login(loaded).size(), 3u);

  // A writer of feed a that started before the next login's snapshot and commits after it
  // (its xid is below that snapshot's xmax, in its list of running transactions).
  pg::Connection running(db.url());
  running.exec("BEGIN");
  running.exec("INSERT INTO entries (feed_id, uidl, identity, content_hash, state, size, "
               "first_seen) SELECT id, 'a-running', 'a-running', 'h', 1, 10, 0 FROM feeds "
               "WHERE key = 'a'");
  insert("b", {"b2"}); // committed before the login, after the writer took its xid
  auto box = login(loaded);
  EXPECT_EQ(box.size(), 4u);
  EXPECT_EQ(box, fresh());
  EXPECT_EQ(loaded.feeds, 1u); // b

  running.exec("COMMIT");
  box = login(loaded);
  ASSERT_EQ(box.size(), 5u);
  EXPECT_EQ(box, fresh());
  EXPECT_TRUE(std::any_of(box.begin(), box.end(), [](const std::string& line) {
    return line.find(" a-running ") != std::string::npos;
  }));
  EXPECT_EQ(loaded.feeds, 1u); // a
  held.exec("ROLLBACK");
}

TEST_F(PgSnapshotTest, ACacheWhoseSnapshotWasForgottenReloadsWhatChanged) {
  keys = {"a", "b"};
  insert("a", {"a1"});
  insert("b", {"b1"});
  Loaded loaded{};
  ASSERT_EQ(login(loaded).size(), 2u);
  insert("a", {"a2"});
  // More logins through caches of their own than the process remembers snapshots of: this
  // cache's last one is forgotten.
  StoreOptions own;
  auto other = db.open(Role::reader, own);
  for (int i = 0; i < 4200; ++i) {
    ASSERT_EQ(other->snapshot("bob", {"b"}).size(), 1u);
  }
  const auto box = login(loaded);
  EXPECT_EQ(box.size(), 3u);
  EXPECT_EQ(box, fresh());
  EXPECT_EQ(loaded.feeds, 2u); // every feed that ever changed, once
  EXPECT_EQ(login(loaded), box);
  EXPECT_EQ(loaded.feeds, 0u);
}

} // namespace
} // namespace feedpop::storage
