// Message bytes stored as fixed-size chunk rows (storage/message_chunks.hpp): reads at
// every chunk boundary offset with every buffer size around the chunk size, reads past
// the end, empty messages, exact multiples of the chunk size, malformed rows, retention,
// and the v2 → v3 migration.
#include "storage/message_chunks.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/temp_dir.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using testing::read_whole;
using testing::TempDir;

constexpr std::size_t n = message_chunk_size;

// Bytes that differ at every offset modulo a prime, so a chunk read out of place shows.
std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>((i * 31 + seed * 7 + i / 251) % 256);
  }
  return out;
}

// Sizes around every interesting boundary: empty, one byte, the chunk size ± 1, exact
// multiples, and a large message.
const std::vector<std::size_t> sizes = {0,         1,         n - 1,     n,     n + 1,
                                        2 * n - 1, 2 * n,     2 * n + 1, 3 * n, 5 * n + 7,
                                        8 * n,     8 * n + 1, 100'003};

class MessageChunksTest : public ::testing::Test {
protected:
  TempDir dir;
  std::string path = dir.file(database_file_name);
  std::unique_ptr<Store> store = open_sqlite_store(path, Role::writer);
  std::map<EntryId, std::string> stored; // id → the bytes inserted

  void SetUp() override {
    std::vector<NewEntry> entries;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      NewEntry e;
      e.identity = "m" + std::to_string(i);
      e.content_hash = "h";
      e.message = pattern(sizes[i], static_cast<unsigned>(i));
      entries.push_back(std::move(e));
    }
    store->insert_entries("f", entries, FeedState{});
    const auto box = store->snapshot("u", {"f"});
    ASSERT_EQ(box.size(), sizes.size());
    for (std::size_t i = 0; i < box.size(); ++i) {
      ASSERT_EQ(box[i].size, sizes[i]);
      stored[box[i].id] = entries[i].message;
    }
  }

  // read_at(offset, max) as a string, checking the count it returns.
  std::string read(EntryId id, std::uint64_t offset, std::size_t max) {
    std::string out(max, '\0');
    const std::size_t got = store->read_at(id, offset, out.data(), max);
    EXPECT_LE(got, max);
    out.resize(got);
    return out;
  }
};

// Offsets at and around every chunk boundary of a message of `size` bytes, and its end.
std::vector<std::uint64_t> boundary_offsets(std::size_t size) {
  std::vector<std::uint64_t> out = {0, 1};
  for (std::size_t k = n; k <= size + n; k += n) {
    out.insert(out.end(), {k - 1, k, k + 1});
  }
  out.insert(out.end(), {size, size + 1});
  return out;
}

TEST_F(MessageChunksTest, WholeReadsReturnEveryMessageExactly) {
  for (const auto& [id, bytes] : stored) {
    EXPECT_EQ(read_whole(*store, id), bytes) << bytes.size() << " bytes";
  }
}

TEST_F(MessageChunksTest, ReadsStartingAtEveryChunkBoundaryReturnExactlyTheBytesThere) {
  for (const auto& [id, bytes] : stored) {
    const auto offsets =
        bytes.size() > 10 * n
            ? std::vector<std::uint64_t>{0, n - 1, n, n + 1, 50 * n, 50 * n + 3, bytes.size() - 1}
            : boundary_offsets(bytes.size());
    for (const std::uint64_t offset : offsets) {
      for (const std::size_t max : {std::size_t{1}, std::size_t{7}, n - 1, n, n + 1, 2 * n - 3,
                                    2 * n, 2 * n + 1, std::size_t{16 * 1024}}) {
        const std::string expected =
            offset >= bytes.size() ? std::string() : bytes.substr(offset, max);
        EXPECT_EQ(read(id, offset, max), expected)
            << bytes.size() << " bytes, offset " << offset << ", max " << max;
      }
    }
  }
}

TEST_F(MessageChunksTest, PulledInBuffersOfAnySizeEveryMessageReassemblesExactly) {
  for (const std::size_t buffer : {std::size_t{1}, std::size_t{7}, n - 1, n, n + 1, 2 * n - 3,
                                   2 * n, std::size_t{4096}, std::size_t{64 * 1024}}) {
    for (const auto& [id, bytes] : stored) {
      if (buffer < 7 && bytes.size() > 10 * n) {
        continue; // 100 KB byte by byte proves nothing more than 5 KB does
      }
      EXPECT_EQ(read_whole(*store, id, buffer), bytes) << bytes.size() << " bytes by " << buffer;
    }
  }
}

TEST_F(MessageChunksTest, ReadsAtOrPastTheEndReturnZeroAndAGoneMessageThrows) {
  for (const auto& [id, bytes] : stored) {
    char c = 0;
    EXPECT_EQ(store->read_at(id, bytes.size(), &c, 1), 0u) << bytes.size();
    EXPECT_EQ(store->read_at(id, bytes.size() + n, &c, 1), 0u) << bytes.size();
    EXPECT_EQ(store->read_at(id, std::uint64_t{1} << 40, &c, 1), 0u) << bytes.size();
    EXPECT_EQ(store->read_at(id, 0, &c, 0), 0u);
  }
  char c = 0;
  EXPECT_THROW(store->read_at(999'999, 0, &c, 1), StoreError);
  EXPECT_THROW(store->read_at(999'999, 5 * n, &c, 1), StoreError);
  EXPECT_THROW(store->read_at(999'999, 0, &c, 0), StoreError);
}

TEST_F(MessageChunksTest, AReadDoesNotSpillIntoTheNextEntrysChunks) {
  // Consecutive entries' rows are adjacent in the table: a read past one message's end
  // must stop at its own range, never return the next message's first bytes.
  const auto first = stored.begin(); // the empty message, followed by the 1-byte one
  std::string buf(2 * n, '\0');
  EXPECT_EQ(store->read_at(first->first, 0, buf.data(), buf.size()), 0u);
  const auto second = std::next(first);
  EXPECT_EQ(store->read_at(second->first, 0, buf.data(), buf.size()), 1u);
  EXPECT_EQ(buf[0], second->second[0]);
}

TEST_F(MessageChunksTest, RowsThatBreakTheLayoutAreReportedNotServed) {
  const auto& [id, bytes] = *std::prev(stored.end()); // 100,003 bytes: 202 rows
  {
    sqlite::Database raw(path);
    sqlite::Statement shorten(raw, "UPDATE message_chunks SET bytes = substr(bytes, 1, 10) "
                                   "WHERE id = ?1");
    shorten.bind(1, chunk_rowid(id) + 3).run();
  }
  char buf[4 * n];
  EXPECT_EQ(store->read_at(id, 0, buf, 3 * n), 3 * n); // rows 0–2 are intact
  EXPECT_THROW(store->read_at(id, 3 * n, buf, sizeof buf), StoreError);
  EXPECT_THROW(store->read_at(id, 2 * n, buf, sizeof buf), StoreError);
  EXPECT_EQ(read(id, 5 * n, n), bytes.substr(5 * n, n)); // and so are the rows after it
}

TEST_F(MessageChunksTest, AnEmptyMessageIsStoredAndReadsAsNothing) {
  const EntryId id = stored.begin()->first;
  ASSERT_TRUE(stored.begin()->second.empty());
  EXPECT_EQ(read_whole(*store, id), "");
  char c = 0;
  EXPECT_EQ(store->read_at(id, 0, &c, 1), 0u);
}

TEST_F(MessageChunksTest, AMessageTakesCeilOfSizeOverChunkSizeRowsAndAnEmptyOneTakesOne) {
  sqlite::Database raw(path);
  sqlite::Statement rows(raw, "SELECT COUNT(*), MAX(length(bytes)) FROM message_chunks WHERE "
                              "id >= ?1 AND id < ?2");
  for (const auto& [id, bytes] : stored) {
    rows.bind(1, chunk_rowid(id)).bind(2, chunk_rowid(id + 1));
    ASSERT_TRUE(rows.step());
    const auto expected = std::max<std::size_t>(1, (bytes.size() + n - 1) / n);
    EXPECT_EQ(rows.int64(0), static_cast<std::int64_t>(expected)) << bytes.size() << " bytes";
    EXPECT_EQ(rows.int64(1), static_cast<std::int64_t>(std::min(bytes.size(), n)));
    rows.reset();
  }
}

TEST_F(MessageChunksTest, RetentionRemovesEveryChunkOfAPurgedMessageAndNoOther) {
  // Keep the newest 3: the first sizes.size() - 3 messages go, with all their chunks.
  const Time now = Time(std::chrono::seconds(2'000'000'000));
  EXPECT_EQ(store->purge_retention("f", std::nullopt, 3, now, {}), sizes.size() - 3);
  sqlite::Database raw(path);
  std::size_t i = 0;
  for (const auto& [id, bytes] : stored) {
    const bool kept = i++ >= sizes.size() - 3;
    if (kept) {
      EXPECT_EQ(read_whole(*store, id), bytes);
    } else {
      EXPECT_THROW(read_whole(*store, id), StoreError);
    }
  }
  std::int64_t rows = 0;
  for (const auto& [id, bytes] : stored) {
    rows += static_cast<std::int64_t>(std::max<std::size_t>(1, (bytes.size() + n - 1) / n));
  }
  std::int64_t kept_rows = 0;
  for (auto it = std::prev(stored.end(), 3); it != stored.end(); ++it) {
    kept_rows += static_cast<std::int64_t>((it->second.size() + n - 1) / n);
  }
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM message_chunks"), kept_rows);
  EXPECT_LT(kept_rows, rows);
}

TEST(MessageChunksMigration, AVersionTwoDatabaseKeepsEveryEntryUidlDeletionAndByte) {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  std::map<std::int64_t, std::string> bytes; // entry id → message
  {
    sqlite::Database db(path);
    db.exec("PRAGMA page_size = 4096; PRAGMA auto_vacuum = INCREMENTAL");
    migrate(db, schema_migrations().first(2));
    ASSERT_EQ(db.pragma_int("PRAGMA user_version"), 2);
    db.exec("INSERT INTO feeds (id, key) VALUES (1, 'a'), (2, 'b');"
            "INSERT INTO users (id, name) VALUES (1, 'alice'), (2, 'bob');");
    sqlite::Statement entry(db, "INSERT INTO entries (id, feed_id, uidl, identity, content_hash, "
                                "state, size, first_seen) VALUES (?1, ?2, ?3, ?4, 'h', ?5, ?6, 0)");
    sqlite::Statement message(db, "INSERT INTO messages (entry_id, bytes) VALUES (?1, ?2)");
    // Ids with gaps, as retention and undelivered entries leave them.
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const std::int64_t id = static_cast<std::int64_t>(3 * i + 2);
      bytes[id] = pattern(sizes[i], static_cast<unsigned>(i));
      entry.bind(1, id)
          .bind(2, std::int64_t(i % 2 + 1))
          .bind(3, std::string_view(fmt::format("uidl-{}", id)));
      entry.bind(4, std::string_view(fmt::format("id-{}", id))).bind(5, std::int64_t{1});
      entry.bind(6, static_cast<std::int64_t>(sizes[i])).run();
      message.bind(1, id).bind_blob(2, bytes[id]).run();
    }
    // A seen-but-undelivered entry (no bytes) and a purged one (no bytes any more).
    entry.bind(1, std::int64_t{1000})
        .bind(2, std::int64_t{1})
        .bind(3, std::string_view("uidl-1000"));
    entry.bind(4, std::string_view("id-1000"))
        .bind(5, std::int64_t{0})
        .bind(6, std::int64_t{0})
        .run();
    entry.bind(1, std::int64_t{1001})
        .bind(2, std::int64_t{1})
        .bind(3, std::string_view("uidl-1001"));
    entry.bind(4, std::string_view("id-1001"))
        .bind(5, std::int64_t{2})
        .bind(6, std::int64_t{9})
        .run();
    db.exec("INSERT INTO deletions (user_id, entry_id) VALUES (1, 2), (1, 5), (2, 8)");
  }

  auto store = open_sqlite_store(path, Role::writer);
  {
    sqlite::Database raw(path);
    EXPECT_EQ(raw.pragma_int("PRAGMA user_version"), latest_schema_version());
    EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'messages'"), 0);
    sqlite::Statement check(raw, "PRAGMA integrity_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
    EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM entries"),
              static_cast<std::int64_t>(sizes.size() + 2));
  }
  for (const auto& [user, hidden] :
       std::map<std::string, std::vector<std::int64_t>>{{"alice", {2, 5}}, {"bob", {8}}}) {
    const auto box = store->snapshot(user, {"a", "b"});
    ASSERT_EQ(box.size(), sizes.size() - hidden.size()) << user;
    std::vector<std::int64_t> expected_ids;
    for (const auto& [id, b] : bytes) {
      if (std::find(hidden.begin(), hidden.end(), id) == hidden.end()) {
        expected_ids.push_back(id);
      }
    }
    for (std::size_t i = 0; i < box.size(); ++i) {
      EXPECT_EQ(box[i].id, expected_ids[i]);
      EXPECT_EQ(box[i].uidl, fmt::format("uidl-{}", box[i].id));
      EXPECT_EQ(box[i].size, bytes[box[i].id].size());
      EXPECT_EQ(read_whole(*store, box[i].id), bytes[box[i].id]);
    }
  }
  EXPECT_THROW(read_whole(*store, 1000), StoreError);
  EXPECT_THROW(read_whole(*store, 1001), StoreError);
  // New entries after the migration follow the old ones and are chunked the same way.
  NewEntry e;
  e.identity = "after";
  e.message = pattern(3 * n + 1, 99);
  store->insert_entries("a", {e}, FeedState{});
  const auto box = store->snapshot("alice", {"a", "b"});
  EXPECT_GT(box.back().id, 1001);
  EXPECT_EQ(read_whole(*store, box.back().id), e.message);
}

TEST(MessageChunksMigration, MigratingLargeDatabasesFreesTheOldPages) {
  TempDir dir;
  const std::string path = dir.file("v2.db");
  {
    sqlite::Database db(path);
    db.exec("PRAGMA page_size = 4096; PRAGMA auto_vacuum = INCREMENTAL");
    migrate(db, schema_migrations().first(2));
    db.exec("INSERT INTO feeds (id, key) VALUES (1, 'a')");
    sqlite::Transaction txn(db);
    sqlite::Statement entry(db, "INSERT INTO entries (id, feed_id, uidl, identity, content_hash, "
                                "state, size, first_seen) VALUES (?1, 1, ?2, ?2, 'h', 1, ?3, 0)");
    sqlite::Statement message(db, "INSERT INTO messages (entry_id, bytes) VALUES (?1, ?2)");
    for (std::int64_t id = 1; id <= 300; ++id) {
      const std::string m = pattern(2000, static_cast<unsigned>(id));
      entry.bind(1, id)
          .bind(2, std::string_view(fmt::format("u{}", id)))
          .bind(3, std::int64_t{2000})
          .run();
      message.bind(1, id).bind_blob(2, m).run();
    }
    txn.commit();
  }
  open_sqlite_store(path, Role::writer).reset();
  sqlite::Database raw(path);
  // 600 KB of messages: one 4 KiB leaf each before (1.2 MB), about 1.1× after. Every table
  // and index has a root page of its own (later migrations add empty ones): not counted.
  EXPECT_EQ(raw.pragma_int("PRAGMA freelist_count"), 0);
  const auto roots = raw.pragma_int("SELECT count(*) FROM sqlite_schema WHERE rootpage > 0");
  EXPECT_LT((raw.pragma_int("PRAGMA page_count") - roots) * 4096, 300 * 2000 * 13 / 10);
}

} // namespace
} // namespace feedpop::storage
