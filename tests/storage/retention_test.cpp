// Retention: `retention` (max age) and `max_entries` per feed; entries pinned by open
// sessions stay readable; purged entries never come back as new mail.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/temp_dir.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using namespace std::chrono_literals;
using testing::read_whole;
using testing::TempDir;

NewEntry entry(const std::string& identity) {
  // Initialised, not assigned: GCC 12 -O3 reports a false -Wrestrict on assigning a
  // literal to a std::string member.
  return NewEntry{identity,
                  std::string(1, 'h'),
                  fmt::format("Subject: {}\r\n\r\n{:x<3000}\r\n", identity, ""),
                  std::nullopt,
                  true,
                  {}};
}

class RetentionTest : public ::testing::Test {
protected:
  TempDir dir;
  std::string path = dir.file("r.db");
  Time clock_now = Time(std::chrono::seconds(1'700'000'000));
  std::unique_ptr<Store> store = [this] {
    StoreOptions options;
    options.clock = [this] { return clock_now; };
    return open_sqlite_store(path, Role::writer, options);
  }();

  void insert(const std::string& identity) {
    store->insert_entries("f", {entry(identity)}, FeedState{});
  }
  std::vector<std::string> mailbox() {
    std::vector<std::string> out;
    for (const auto& item : store->snapshot("alice", {"f"})) {
      out.push_back(item.uidl);
    }
    return out;
  }
};

TEST_F(RetentionTest, MaxEntriesKeepsTheNewest) {
  for (const char* id : {"1", "2", "3", "4", "5"}) {
    insert(id);
  }
  EXPECT_EQ(store->purge_retention("f", std::nullopt, 2, clock_now, {}), 3u);
  EXPECT_EQ(mailbox(), (std::vector<std::string>{derive_uidl("f", "4"), derive_uidl("f", "5")}));
  EXPECT_EQ(store->purge_retention("f", std::nullopt, 2, clock_now, {}), 0u);
}

TEST_F(RetentionTest, MaxAgeCountsFromFirstSeen) {
  insert("old");
  clock_now += 48h;
  insert("new");
  EXPECT_EQ(store->purge_retention("f", 24h, std::nullopt, clock_now, {}), 1u);
  EXPECT_EQ(mailbox(), std::vector<std::string>{derive_uidl("f", "new")});
  // Exactly at the limit is still kept.
  EXPECT_EQ(store->purge_retention("f", 48h, std::nullopt, clock_now + 48h, {}), 0u);
}

TEST_F(RetentionTest, EntriesInAnOpenSessionsSnapshotStayReadable) {
  insert("1");
  insert("2");
  auto session = open_sqlite_store(path, Role::reader);
  const auto snap = session->snapshot("alice", {"f"});
  ASSERT_EQ(snap.size(), 2u);
  EXPECT_EQ(store->purge_retention("f", std::nullopt, 0, clock_now, {snap[0].id}), 1u);
  EXPECT_EQ(read_whole(*session, snap[0].id).substr(0, 10), "Subject: 1");
  EXPECT_THROW(read_whole(*session, snap[1].id), StoreError);
  // Once the session ended (nothing pinned), the next purge takes it.
  EXPECT_EQ(store->purge_retention("f", std::nullopt, 0, clock_now, {}), 1u);
  EXPECT_TRUE(mailbox().empty());
}

TEST_F(RetentionTest, PurgedEntriesAreNotDeliveredAgain) {
  insert("1");
  store->purge_retention("f", std::nullopt, 0, clock_now, {});
  EXPECT_EQ(store->insert_entries("f", {entry("1")}, FeedState{}), std::vector<bool>{false});
  EXPECT_TRUE(mailbox().empty());
  EXPECT_EQ(store->feed_counts().at(0).entries, 1u); // all time
}

TEST_F(RetentionTest, PurgingReleasesTheBytesAndTheDeletionMarks) {
  std::vector<NewEntry> many;
  for (int i = 0; i < 200; ++i) {
    many.push_back(entry(std::to_string(i)));
  }
  store->insert_entries("f", many, FeedState{});
  const auto box = store->snapshot("alice", {"f"});
  store->commit_deletions("alice", {box[0].id, box[199].id});
  sqlite::Database raw(path);
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const auto pages_before = raw.pragma_int("PRAGMA page_count");
  EXPECT_EQ(store->purge_retention("f", std::nullopt, 10, clock_now, {}), 190u);
  raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_LT(raw.pragma_int("PRAGMA page_count"), pages_before / 4);
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(DISTINCT id >> 20) FROM message_chunks"), 10);
  // The mark on a purged entry is gone; the one on a kept entry stays.
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM deletions"), 1);
  EXPECT_EQ(store->snapshot("alice", {"f"}).size(), 9u);
}

TEST_F(RetentionTest, NoLimitsOrAnUnknownFeedPurgeNothing) {
  insert("1");
  EXPECT_EQ(store->purge_retention("f", std::nullopt, std::nullopt, clock_now, {}), 0u);
  EXPECT_EQ(store->purge_retention("nope", 1s, 0, clock_now, {}), 0u);
  EXPECT_EQ(mailbox().size(), 1u);
}

} // namespace
} // namespace feedpop::storage
