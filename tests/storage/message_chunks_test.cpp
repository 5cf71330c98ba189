// Message bytes stored as fixed-size chunk rows (schema v3, storage/message_chunks.hpp):
// whole and streamed reads at every chunk boundary, partial (TOP-like) reads, empty
// messages, exact multiples of the chunk size, retention, and the v2 → v3 migration.
#include "storage/message_chunks.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/temp_dir.hpp"

namespace feedpop::storage {
namespace {

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

  // Streams with the given piece size; checks every piece is non-empty and bounded.
  std::string streamed(EntryId id, std::size_t piece) {
    std::string out;
    store->read_message(id, piece, [&](std::string_view chunk) {
      EXPECT_FALSE(chunk.empty());
      EXPECT_LE(chunk.size(), piece);
      out.append(chunk);
      return true;
    });
    return out;
  }
};

TEST_F(MessageChunksTest, WholeReadsReturnEveryMessageExactly) {
  for (const auto& [id, bytes] : stored) {
    EXPECT_EQ(store->read_message(id), bytes) << bytes.size() << " bytes";
  }
}

TEST_F(MessageChunksTest, StreamedReadsCrossingChunkBoundariesReassembleExactly) {
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, n - 1, n, n + 1, 2 * n - 3, 2 * n,
                                  std::size_t{4096}, std::size_t{64 * 1024}}) {
    for (const auto& [id, bytes] : stored) {
      EXPECT_EQ(streamed(id, piece), bytes) << bytes.size() << " bytes in pieces of " << piece;
    }
  }
}

TEST_F(MessageChunksTest, StreamedPiecesAreFullExceptTheLast) {
  const auto& [id, bytes] = *stored.rbegin(); // 100,003 bytes
  std::vector<std::size_t> lengths;
  store->read_message(id, 1000, [&](std::string_view chunk) {
    lengths.push_back(chunk.size());
    return true;
  });
  ASSERT_EQ(lengths.size(), (bytes.size() + 999) / 1000);
  for (std::size_t i = 0; i + 1 < lengths.size(); ++i) {
    EXPECT_EQ(lengths[i], 1000u) << "piece " << i;
  }
  EXPECT_EQ(lengths.back(), bytes.size() % 1000);
}

TEST_F(MessageChunksTest, APartialReadStopsAtAnyOffsetWithTheRightPrefix) {
  // As TOP does: read until enough bytes arrived, then stop; the sink is not called again.
  const auto& [id, bytes] = *stored.rbegin();
  for (const std::size_t want : {std::size_t{1}, n - 1, n, n + 1, 3 * n, 3 * n + 5}) {
    for (const std::size_t piece : {std::size_t{100}, n, std::size_t{4096}}) {
      std::string got;
      bool called_after_stop = false;
      bool stopped = false;
      store->read_message(id, piece, [&](std::string_view chunk) {
        called_after_stop = called_after_stop || stopped;
        got.append(chunk);
        stopped = got.size() >= want;
        return !stopped;
      });
      EXPECT_FALSE(called_after_stop);
      ASSERT_GE(got.size(), want);
      EXPECT_LT(got.size(), want + piece);
      EXPECT_EQ(got, bytes.substr(0, got.size())) << want << " / " << piece;
    }
  }
}

TEST_F(MessageChunksTest, AnEmptyMessageIsStoredAndReadsAsNothing) {
  const EntryId id = stored.begin()->first;
  ASSERT_TRUE(stored.begin()->second.empty());
  EXPECT_EQ(store->read_message(id), "");
  std::size_t calls = 0;
  store->read_message(id, 100, [&](std::string_view) { return ++calls, true; });
  EXPECT_EQ(calls, 0u);
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
      EXPECT_EQ(store->read_message(id), bytes);
    } else {
      EXPECT_THROW(store->read_message(id), StoreError);
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
    EXPECT_EQ(raw.pragma_int("PRAGMA user_version"), 3);
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
      EXPECT_EQ(store->read_message(box[i].id), bytes[box[i].id]);
    }
  }
  EXPECT_THROW(store->read_message(1000), StoreError);
  EXPECT_THROW(store->read_message(1001), StoreError);
  // New entries after the migration follow the old ones and are chunked the same way.
  NewEntry e;
  e.identity = "after";
  e.message = pattern(3 * n + 1, 99);
  store->insert_entries("a", {e}, FeedState{});
  const auto box = store->snapshot("alice", {"a", "b"});
  EXPECT_GT(box.back().id, 1001);
  EXPECT_EQ(store->read_message(box.back().id), e.message);
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
  // 600 KB of messages: one 4 KiB leaf each before (1.2 MB), about 1.1× after.
  EXPECT_EQ(raw.pragma_int("PRAGMA freelist_count"), 0);
  EXPECT_LT(raw.pragma_int("PRAGMA page_count") * 4096, 300 * 2000 * 13 / 10);
}

} // namespace
} // namespace feedpop::storage
