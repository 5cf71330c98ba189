// Upgrading to stored entry tags: a SQLite v6 / PostgreSQL v4 database whose messages name
// their rule tags in Keywords fields is migrated (SQLite v7 / PostgreSQL v5), and tag
// views list the same messages as the Keywords did before the upgrade.
#include <gtest/gtest.h>

#include <map>

#include "storage/entry_tags.hpp"
#include "storage/message_chunks.hpp"
#include "storage/migrations.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_store.hpp"
#include "storage/store.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/backends.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

TEST(EntryTagsParsing, KeywordsAreReadFromTheHeaderOnlyUnfoldedAndSplitAtCommas) {
  EXPECT_EQ(header_keywords("Subject: x\r\nKeywords: rust, must-read\r\n\r\nKeywords: body\r\n"),
            (std::vector<std::string>{"rust", "must-read"}));
  EXPECT_EQ(header_keywords("keywords: a,\r\n b\r\nKEYWORDS: c, a\r\n\r\n"),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(header_keywords("Subject: x\r\nKeywords: no-body"),
            (std::vector<std::string>{"no-body"}));
  EXPECT_TRUE(header_keywords("Subject: Keywords: no\r\nX-Keywords: no\r\n\r\n").empty());
  EXPECT_TRUE(header_keywords("").empty());
}

TEST(EntryTagsParsing, TheHeaderIsReadUpToItsEndAcrossReadsAndNoFurther) {
  const std::string header = "X-Long: " + std::string(9000, 'y') + "\r\nKeywords: a\r\n";
  const std::string message = header + "\r\n" + std::string(100'000, 'b');
  std::size_t reads = 0;
  const auto read = [&](std::uint64_t offset, char* dest, std::size_t max) {
    ++reads;
    const std::size_t n = std::min(max, message.size() - static_cast<std::size_t>(offset));
    std::copy_n(message.data() + offset, n, dest);
    return n;
  };
  EXPECT_EQ(read_header(read), header);
  EXPECT_LE(reads, 3U) << "a few KiB per read, not the body";
  const std::string endless(200'000, 'x'); // no empty line: stops at max_header_bytes
  reads = 0;
  EXPECT_EQ(read_header([&](std::uint64_t offset, char* dest, std::size_t max) {
              const std::size_t n =
                  std::min(max, endless.size() - static_cast<std::size_t>(offset));
              std::copy_n(endless.data() + offset, n, dest);
              return n;
            }).size(),
            max_header_bytes);
}

// A database of the schema before entry tags, filled through raw SQL as that version
// stored entries (messages with Keywords fields), then opened by the current Store.
class EntryTagsMigrationTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  std::map<std::string, std::string> names_; // UIDL → identity
  std::unique_ptr<sqlite::Database> sqlite_;
  std::unique_ptr<pg::Connection> pg_;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    if (GetParam() == Backend::sqlite) {
      sqlite_ = std::make_unique<sqlite::Database>(db.sqlite_path());
      migrate(*sqlite_, schema_migrations().first(6));
      sqlite_->exec("BEGIN; INSERT INTO feeds (id, key) VALUES (1, 'blog'), (2, 'news')");
    } else {
      pg_ = std::make_unique<pg::Connection>(db.url());
      pg_migrate_to(*pg_, 4);
      pg_->exec("BEGIN");
      pg_->exec("INSERT INTO feeds (id, key) VALUES (1, 'blog'), (2, 'news')");
    }
  }
  // An entry as the old schema stored it; state 1 = delivered (with its message, unless
  // `stored` is false: bytes lost, which the upgrade must survive).
  void add(std::int64_t id, std::int64_t feed, const std::string& identity, int state,
           const std::string& message = "", bool stored = true) {
    const std::string uidl = derive_uidl(feed == 1 ? "blog" : "news", identity);
    names_[uidl] = identity;
    const auto size = static_cast<std::int64_t>(message.size());
    if (sqlite_) {
      sqlite::Statement(*sqlite_, "INSERT INTO entries (id, feed_id, uidl, identity, "
                                  "content_hash, state, size, first_seen) VALUES (?1, ?2, ?3, "
                                  "?4, 'h', ?5, ?6, 0)")
          .bind(1, id)
          .bind(2, feed)
          .bind(3, std::string_view(uidl))
          .bind(4, std::string_view(identity))
          .bind(5, std::int64_t{state})
          .bind(6, size)
          .run();
      if (state == 1 && stored) {
        ChunkWriter(*sqlite_).write(id, message);
      }
      return;
    }
    pg_->exec("INSERT INTO entries (id, feed_id, uidl, identity, content_hash, state, size, "
              "first_seen) VALUES ($1, $2, $3, $4, 'h', $5, $6, 0)",
              {id, feed, uidl, identity, std::int64_t{state}, size});
    if (state == 1 && stored) {
      pg_->exec("INSERT INTO messages (entry_id, bytes) VALUES ($1, $2)",
                {id, pg::Param::bytes(message)});
    }
  }
  // Commits what add() wrote (one transaction: hundreds of entries in a moment), then
  // opens the store, which migrates.
  std::unique_ptr<Store> upgrade() {
    if (pg_) {
      pg_->exec("SELECT setval('entries_id_seq', 10000), setval('feeds_id_seq', 100)");
      pg_->exec("COMMIT");
    } else {
      sqlite_->exec("COMMIT");
    }
    sqlite_.reset();
    pg_.reset();
    return db.open(Role::writer);
  }
  std::vector<std::string> view(Store& store, const std::string& tag) {
    std::vector<std::string> out;
    for (const auto& item : store.tag_view_snapshot("alice", {}, {"blog", "news"}, tag)) {
      out.push_back(names_.count(item.uidl) ? names_[item.uidl] : "?");
    }
    return out;
  }
};

TEST_P(EntryTagsMigrationTest, TagsAreBackfilledFromTheStoredMessagesKeywordsOnce) {
  add(1, 1, "b1", 1, "Subject: b1\r\nKeywords: rust\r\n\r\nbody\r\n");
  add(2, 1, "b2", 1, "Subject: b2\r\n\r\nKeywords: rust\r\n"); // in the body: no tag
  add(3, 2, "n1", 1, "Subject: n1\r\nkeywords: go,\r\n rust\r\n\r\nx\r\n");
  // Beyond the first 8 KiB and several 4 KiB reads; a large body after it.
  add(4, 1, "b3", 1,
      "X-Long: " + std::string(10'000, 'y') + "\r\nKeywords: rust\r\n\r\n" +
          std::string(50'000, 'z'));
  add(5, 1, "b4", 0);                                  // seen, never delivered
  add(6, 1, "b5", 2);                                  // purged: no bytes left
  add(7, 2, "n2", 1, "Subject: n2\r\nKeywords: rust"); // no body at all
  add(8, 1, "b6", 1, "Subject: b6\r\nKeywords: other\r\n\r\n" + std::string(20'000, 'w'));
  add(9, 1, "b7", 1, "Subject: b7\r\nKeywords: rust\r\n\r\n", false);
  // More entries than one backfill batch.
  for (std::int64_t id = 100; id < 700; ++id) {
    add(id, 2, "bulk" + std::to_string(id), 1,
        "Subject: bulk\r\n" + std::string(id % 2 == 0 ? "Keywords: bulk\r\n" : "") +
            "\r\nbody\r\n");
  }
  auto store = upgrade();
  EXPECT_EQ(view(*store, "rust"), (std::vector<std::string>{"b1", "n1", "b3", "n2"}));
  EXPECT_EQ(view(*store, "go"), (std::vector<std::string>{"n1"}));
  EXPECT_EQ(view(*store, "other"), (std::vector<std::string>{"b6"}));
  EXPECT_EQ(view(*store, "bulk").size(), 300U);
  EXPECT_EQ(store->snapshot("alice", {"blog", "news"}).size(), 607U) << "entries unchanged";
  EXPECT_EQ(testing::read_whole(*store, 1), "Subject: b1\r\nKeywords: rust\r\n\r\nbody\r\n");
  if (GetParam() == Backend::sqlite) {
    EXPECT_EQ(db.scalar("PRAGMA user_version"), latest_schema_version());
  } else {
    EXPECT_EQ(db.scalar("SELECT version FROM schema_version"), pg_latest_schema_version());
  }
  const auto rows = db.scalar("SELECT COUNT(*) FROM entry_tags");
  EXPECT_EQ(rows, 306);
  // Reopening runs no step again; ingest goes on storing tags after the upgrade.
  store = db.open(Role::writer);
  NewEntry e;
  e.identity = "b10";
  e.content_hash = "h10";
  e.message = "Subject: b10\r\nKeywords: rust\r\n\r\n";
  e.tags = {"rust"};
  FeedState s;
  s.key = "blog";
  store->insert_entries("blog", {e}, s);
  names_[derive_uidl("blog", "b10")] = "b10";
  EXPECT_EQ(view(*store, "rust"), (std::vector<std::string>{"b1", "n1", "b3", "n2", "b10"}));
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM entry_tags"), rows + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, EntryTagsMigrationTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
