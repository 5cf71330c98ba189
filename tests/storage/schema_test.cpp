// Schema guarantees: migrations, the newer-database refusal, the connection settings
// and the Transaction guard.
#include <sys/stat.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"
#include "tests/storage/temp_dir.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using testing::read_whole;
using testing::TempDir;

TEST(Schema, ANewDatabaseIsMigratedToTheLatestVersionInWalMode) {
  TempDir dir;
  const std::string path = dir.file(database_file_name);
  open_sqlite_store(path, Role::writer);
  sqlite::Database raw(path);
  EXPECT_EQ(raw.pragma_int("PRAGMA user_version"), latest_schema_version());
  sqlite::Statement mode(raw, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
  EXPECT_EQ(raw.pragma_int("PRAGMA auto_vacuum"), 2); // incremental
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'deletions'"), 1);
}

TEST(Schema, TheDatabaseAndItsWalAndShmAreCreatedReadableByTheOwnerOnly) {
  TempDir dir;
  const std::string path = dir.file(database_file_name);
  const mode_t old = ::umask(022); // a login shell's umask: files would be 0644
  std::unique_ptr<Store> store;
  try {
    store = open_sqlite_store(path, Role::writer);
  } catch (...) {
    ::umask(old);
    throw;
  }
  ::umask(old);
  NewEntry e;
  e.identity = "x";
  e.message = "Subject: private\r\n\r\n";
  store->insert_entries("f", {e}, FeedState{}); // the WAL holds this commit
  auto reader = open_sqlite_store(path, Role::reader);
  EXPECT_EQ(reader->snapshot("u", {"f"}).size(), 1U);
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    ASSERT_EQ(::stat((path + suffix).c_str(), &st), 0) << suffix;
    EXPECT_EQ(st.st_mode & 0777, 0600U) << path + suffix;
  }
}

TEST(Schema, AnExistingDatabaseKeepsItsMode) {
  TempDir dir;
  const std::string path = dir.file(database_file_name);
  open_sqlite_store(path, Role::writer).reset();
  ::chmod(path.c_str(), 0640); // the operator's choice, e.g. for a backup group
  open_sqlite_store(path, Role::writer).reset();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640U);
}

TEST(Schema, ReopeningACurrentDatabaseKeepsItsData) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  {
    auto store = open_sqlite_store(path, Role::writer);
    FeedState s;
    s.url = "https://example.org/";
    NewEntry e;
    e.identity = "id";
    e.message = "m";
    store->insert_entries("f", {e}, s);
  }
  auto reader = open_sqlite_store(path, Role::reader);
  EXPECT_EQ(reader->snapshot("u", {"f"}).size(), 1u);
}

TEST(Schema, ADatabaseFromANewerFeedpopIsRefused) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  open_sqlite_store(path, Role::writer);
  {
    sqlite::Database raw(path);
    raw.exec(fmt::format("PRAGMA user_version = {}", latest_schema_version() + 1).c_str());
  }
  EXPECT_THROW(open_sqlite_store(path, Role::writer), StoreError);
  EXPECT_THROW(open_sqlite_store(path, Role::reader), StoreError);
  sqlite::Database raw(path);
  EXPECT_EQ(raw.pragma_int("PRAGMA user_version"), latest_schema_version() + 1);
}

TEST(Schema, MigrationsRunInOrderEachInItsOwnTransaction) {
  TempDir dir;
  sqlite::Database db(dir.file("m.db"));
  const Migration steps[] = {
      {1, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"},
      {2, "INSERT INTO t VALUES (2);"},
      {3, "INSERT INTO t VALUES (3); INSERT INTO no_such_table VALUES (1);"},
  };
  EXPECT_THROW(migrate(db, steps), StoreError);
  // Steps 1 and 2 are recorded; step 3 left nothing behind.
  EXPECT_EQ(db.pragma_int("PRAGMA user_version"), 2);
  EXPECT_EQ(db.pragma_int("SELECT group_concat(x) = '1,2' FROM t"), 1);
  const Migration fixed[] = {steps[0], steps[1], {3, "INSERT INTO t VALUES (3);"}};
  migrate(db, fixed);
  migrate(db, fixed); // nothing left to do: no step runs twice
  EXPECT_EQ(db.pragma_int("PRAGMA user_version"), 3);
  EXPECT_EQ(db.pragma_int("SELECT COUNT(*) FROM t"), 3);
}

TEST(Schema, AVersionOneDatabaseIsMigratedKeepingItsEntriesAndUidls) {
  TempDir dir;
  const std::string path = dir.file("v1.db");
  {
    sqlite::Database db(path);
    migrate(db, schema_migrations().first(1));
    ASSERT_EQ(db.pragma_int("PRAGMA user_version"), 1);
    db.exec("INSERT INTO feeds (id, key) VALUES (1, 'f');"
            "INSERT INTO entries (id, feed_id, uidl, identity, content_hash, state, size, "
            "first_seen) VALUES (7, 1, 'stable-uidl', 'x', 'h', 1, 3, 0);"
            "INSERT INTO messages (entry_id, bytes) VALUES (7, 'abc');");
  }
  auto store = open_sqlite_store(path, Role::writer);
  const auto box = store->snapshot("u", {"f"});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box[0].uidl, "stable-uidl");
  EXPECT_EQ(read_whole(*store, box[0].id), "abc");
  sqlite::Database raw(path);
  EXPECT_EQ(raw.pragma_int("PRAGMA user_version"), latest_schema_version());
}

TEST(Schema, TheTransactionGuardRollsBackUnlessCommitted) {
  TempDir dir;
  sqlite::Database db(dir.file("t.db"));
  db.exec("CREATE TABLE t (x INTEGER)");
  {
    sqlite::Transaction txn(db);
    db.exec("INSERT INTO t VALUES (1)");
  }
  EXPECT_EQ(db.pragma_int("SELECT COUNT(*) FROM t"), 0);
  try {
    sqlite::Transaction txn(db);
    db.exec("INSERT INTO t VALUES (2)");
    throw std::runtime_error("caller failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(db.pragma_int("SELECT COUNT(*) FROM t"), 0);
  {
    sqlite::Transaction txn(db);
    db.exec("INSERT INTO t VALUES (3)");
    txn.commit();
  }
  EXPECT_EQ(db.pragma_int("SELECT COUNT(*) FROM t"), 1);
}

TEST(Schema, ForeignKeysAreEnforcedOnStoreConnections) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  auto store = open_sqlite_store(path, Role::writer);
  NewEntry e;
  e.identity = "id";
  e.message = "m";
  store->insert_entries("f", {e}, FeedState{});
  const auto id = store->snapshot("u", {"f"}).at(0).id;
  store->commit_deletions("u", {id});
  // purge_user relies on ON DELETE CASCADE, which only runs with foreign_keys on.
  store->purge_user("u");
  sqlite::Database raw(path);
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM deletions"), 0);
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM users"), 0);
}

TEST(Schema, AnUnopenableFileThrowsWithDetail) {
  TempDir dir;
  try {
    open_sqlite_store(dir.file("missing/dir/x.db"), Role::writer);
    FAIL() << "expected StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("missing/dir/x.db"), std::string::npos);
    EXPECT_NE(e.code(), 0);
  }
}

TEST(Schema, ACorruptFileThrowsInsteadOfBeingOverwritten) {
  TempDir dir;
  const std::string path = dir.file("x.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string junk(8192, 'J');
    std::fwrite(junk.data(), 1, junk.size(), f);
    std::fclose(f);
  }
  EXPECT_THROW(open_sqlite_store(path, Role::writer), StoreError);
}

} // namespace
} // namespace feedpop::storage
