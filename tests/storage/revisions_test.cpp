// Revisions of entries (store.hpp NewEntry::revision / revises, entry_revisions()), on
// SQLite and on PostgreSQL: what on_update: redeliver keeps to measure changes against.
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/backends.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

NewEntry entry(const std::string& identity, std::optional<std::string> revision,
               bool deliver = true) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = "h1-" + identity;
  e.message = deliver ? "Subject: " + identity + "\r\n\r\nbody\r\n" : "";
  e.deliver = deliver;
  e.revision = std::move(revision);
  return e;
}

NewEntry revision_of(const std::string& identity, std::string hash,
                     std::optional<std::string> revision, std::optional<Time> at) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = std::move(hash);
  e.revises = true;
  e.deliver = false;
  e.revision = std::move(revision);
  e.revised_at = at;
  return e;
}

class RevisionsTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  std::unique_ptr<Store> store;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    store = db.open(Role::writer);
  }
  std::vector<bool> insert(const std::vector<NewEntry>& entries) {
    FeedState s;
    s.key = "blog";
    return store->insert_entries("blog", entries, s);
  }
  std::string hash_of(const std::string& identity) {
    for (const auto& [id, hash] : store->known_entries("blog")) {
      if (id == identity) {
        return hash;
      }
    }
    return "(not stored)";
  }
};

TEST_P(RevisionsTest, ARevisionIsStoredWithItsEntryAndReportedInTheOrderAsked) {
  EXPECT_EQ(insert({entry("a", "Title A\nwords of a"), entry("b", std::nullopt),
                    entry("c", "Title C\n", false)}),
            (std::vector<bool>{true, true, true}));
  const auto r = store->entry_revisions("blog", {"c", "missing", "b", "a"});
  ASSERT_EQ(r.size(), 3U);
  EXPECT_EQ(r[0].identity, "c");
  EXPECT_FALSE(r[0].delivered);
  EXPECT_EQ(r[0].revision, "Title C\n");
  EXPECT_EQ(r[1].identity, "b");
  EXPECT_TRUE(r[1].delivered);
  EXPECT_FALSE(r[1].revision.has_value());
  EXPECT_EQ(r[2].identity, "a");
  EXPECT_EQ(r[2].revision, "Title A\nwords of a");
  EXPECT_FALSE(r[2].revised_at.has_value());
  EXPECT_TRUE(store->entry_revisions("other", {"a"}).empty());
}

TEST_P(RevisionsTest, ARevisionUpdatesHashRevisionAndTimeButNeverTheMessage) {
  insert({entry("a", "T\none")});
  const auto item = store->snapshot("alice", {"blog"}).at(0);
  const std::string before = testing::read_whole(*store, item.id);
  // A cosmetic change: only the hash moves on.
  EXPECT_EQ(insert({revision_of("a", "h2", std::nullopt, std::nullopt)}),
            (std::vector<bool>{false}));
  EXPECT_EQ(hash_of("a"), "h2");
  auto r = store->entry_revisions("blog", {"a"});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].revision, "T\none");
  EXPECT_FALSE(r[0].revised_at.has_value());
  // An update mailed: revision and time recorded.
  const Time at{std::chrono::seconds(1'700'000'000)};
  insert({revision_of("a", "h3", "T\none two", at)});
  r = store->entry_revisions("blog", {"a"});
  EXPECT_EQ(hash_of("a"), "h3");
  EXPECT_EQ(r.at(0).revision, "T\none two");
  EXPECT_EQ(r.at(0).revised_at, at);
  EXPECT_EQ(testing::read_whole(*store, item.id), before);
  EXPECT_EQ(store->snapshot("alice", {"blog"}).size(), 1U);
}

TEST_P(RevisionsTest, AnEntryStoredWithoutARevisionGetsOneAndAnUnknownIdentityNothing) {
  insert({entry("a", std::nullopt)});
  insert({revision_of("a", "h2", "T\nnow tracked", std::nullopt),
          revision_of("ghost", "h9", "T\nx", std::nullopt)});
  EXPECT_EQ(store->entry_revisions("blog", {"a"}).at(0).revision, "T\nnow tracked");
  EXPECT_TRUE(store->entry_revisions("blog", {"ghost"}).empty());
  EXPECT_EQ(store->known_entries("blog").size(), 1U);
}

TEST(RevisionsSchema, AVersionFourDatabaseGainsRevisionsAndKeepsItsEntries) {
  testing::TempDir dir;
  const std::string path = dir.file("v4.db");
  {
    sqlite::Database db(path);
    migrate(db, schema_migrations().first(4));
    db.exec(("INSERT INTO feeds (id, key) VALUES (1, 'blog');"
             "INSERT INTO entries (id, feed_id, uidl, identity, content_hash, state, size, "
             "first_seen) VALUES (7, 1, '" +
             derive_uidl("blog", "id:a") + "', 'id:a', 'h', 1, 0, 0);")
                .c_str());
  }
  auto store = open_sqlite_store(path, Role::writer);
  const auto r = store->entry_revisions("blog", {"id:a"});
  ASSERT_EQ(r.size(), 1U); // delivered before revisions existed: no revision yet
  EXPECT_TRUE(r[0].delivered);
  EXPECT_FALSE(r[0].revision.has_value());
  EXPECT_EQ(store->known_entries("blog"),
            (std::vector<std::pair<std::string, std::string>>{{"id:a", "h"}}));
  sqlite::Database raw(path);
  EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM revisions"), 0);
  EXPECT_EQ(raw.pragma_int("PRAGMA user_version"), latest_schema_version());
}

INSTANTIATE_TEST_SUITE_P(Backends, RevisionsTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
