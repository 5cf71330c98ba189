#include "storage/migrations.hpp"

#include <sqlite3.h>

#include <string>

#include "storage/entry_tags.hpp"
#include "storage/message_chunks.hpp"

namespace feedpop::storage {

namespace {

// Entries are split from their bytes so that snapshot() and the per-feed indexes scan
// small rows only; messages(entry_id) is a rowid table, so its key costs no index.
// An entry row outlives its bytes: retention deletes the message and marks the entry
// `purged`, so a feed that still lists it never delivers it again.
// state: 0 = seen, never delivered (deliver=false); 1 = delivered; 2 = delivered, purged.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE feeds (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  config_url TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  etag TEXT,
  last_modified TEXT,
  last_status TEXT NOT NULL DEFAULT 'never',
  http_code INTEGER,
  last_error TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_poll INTEGER,
  last_success INTEGER,
  next_poll INTEGER,
  failing_since INTEGER,
  failure_notified INTEGER NOT NULL DEFAULT 0,
  redirect_to TEXT,
  redirect_seen INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE entries (
  id INTEGER PRIMARY KEY,
  feed_id INTEGER NOT NULL REFERENCES feeds(id),
  uidl TEXT NOT NULL,
  identity TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  state INTEGER NOT NULL CHECK (state IN (0, 1, 2)),
  size INTEGER NOT NULL,
  entry_date INTEGER,
  first_seen INTEGER NOT NULL
);
CREATE UNIQUE INDEX entries_uidl ON entries(uidl);
CREATE INDEX entries_feed ON entries(feed_id, state);
CREATE TABLE messages (
  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  bytes BLOB NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE deletions (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, entry_id)
) WITHOUT ROWID;
)sql";

// entries_feed becomes a covering index for snapshot(): a mailbox listing reads only the
// index, per feed in arrival (id) order, never the entry rows (bench/RESULTS.md).
constexpr const char* covering_feed_index_v2 = R"sql(
DROP INDEX entries_feed;
CREATE INDEX entries_feed ON entries(feed_id, state, id, size, uidl);
)sql";

// Message bytes move to fixed-size chunk rows (storage/message_chunks.hpp): a 1–4 KB
// message no longer takes a 4 KiB leaf page of its own (bench/RESULTS.md, "Storage").
constexpr const char* chunked_messages_v3 = R"sql(
CREATE TABLE message_chunks (
  id INTEGER PRIMARY KEY,
  bytes BLOB NOT NULL
);
)sql";

// Copies every message into chunks in entry order (so leaves fill as at ingest), then drops
// the old table. Entries, UIDLs, users and deletions are not touched.
// Feeds that users add themselves (by mail, later the web page) with their owner; the
// configuration file's feeds are not listed here. `tags` is a space-separated list.
// `created` is seconds since the epoch.
constexpr const char* user_feeds_v4 = R"sql(
CREATE TABLE user_feeds (
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  url TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '',
  paused INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  UNIQUE (owner, key)
);
)sql";

// Digests (ingest/digest.hpp): what a digest shows of a delivered entry, stored with it,
// and which digest (store key of its messages) covered which entry under which period.
constexpr const char* digests_v5 = R"sql(
CREATE TABLE digest_items (
  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  item BLOB NOT NULL
);
CREATE TABLE digest_coverage (
  digest_key TEXT NOT NULL,
  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  period TEXT NOT NULL,
  PRIMARY KEY (digest_key, entry_id)
) WITHOUT ROWID;
)sql";

// on_update: redeliver (ingest/revisions.hpp): per entry, the revision readers were last
// sent (title and text) and when its last update was mailed. Kept apart from `entries`,
// whose rows stay small for the per-feed scans; only feeds tracking updates have rows here.
constexpr const char* revisions_v6 = R"sql(
CREATE TABLE revisions (
  entry_id INTEGER PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  revision TEXT,
  revised_at INTEGER
);
)sql";

// Rule tags of delivered entries (storage/entry_tags.hpp): a tag view reads the rows of its
// tag and feeds in entry order from the key alone (WITHOUT ROWID: the key is the row).
// Filled from the Keywords of the messages already stored (sqlite_backfill_tags).
constexpr const char* entry_tags_v7 = R"sql(
CREATE TABLE entry_tags (
  tag TEXT NOT NULL,
  feed_id INTEGER NOT NULL,
  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  PRIMARY KEY (tag, feed_id, entry_id)
) WITHOUT ROWID;
CREATE INDEX entry_tags_entry ON entry_tags(entry_id);
)sql";

// Which feeds' delivered lists changed, for the readers' MailboxCache (mailbox_cache.hpp):
// an entry delivered or purged stamps its feed with the next change number. One writer at a
// time means numbers grow in commit order. One row per feed, so the table stays small.
constexpr const char* feed_changes_v8 = R"sql(
CREATE TABLE feed_changes (
  feed_id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL
);
CREATE INDEX feed_changes_seq ON feed_changes(seq);
CREATE TRIGGER entries_delivered AFTER INSERT ON entries WHEN NEW.state = 1 BEGIN
  INSERT INTO feed_changes (feed_id, seq)
    SELECT NEW.feed_id, coalesce(max(seq), 0) + 1 FROM feed_changes WHERE true
    ON CONFLICT (feed_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER entries_state_changed AFTER UPDATE OF state ON entries
  WHEN OLD.state IS NOT NEW.state BEGIN
  INSERT INTO feed_changes (feed_id, seq)
    SELECT NEW.feed_id, coalesce(max(seq), 0) + 1 FROM feed_changes WHERE true
    ON CONFLICT (feed_id) DO UPDATE SET seq = excluded.seq;
END;
)sql";

void split_messages_v3(sqlite::Database& db) {
  sqlite::Statement all(db, "SELECT entry_id, bytes FROM messages ORDER BY entry_id");
  ChunkWriter writer(db);
  while (all.step()) {
    writer.write(all.int64(0), all.blob(1));
  }
  all.reset();
  db.exec("DROP TABLE messages");
}

constexpr Migration steps[] = {
    {1, schema_v1},
    {2, covering_feed_index_v2},
    {3, chunked_messages_v3, split_messages_v3},
    {4, user_feeds_v4},
    {5, digests_v5},
    {6, revisions_v6},
    {7, entry_tags_v7, sqlite_backfill_tags},
    {8, feed_changes_v8},
};

[[noreturn]] void refuse_newer(std::int64_t found, int known) {
  throw StoreError("sqlite: database schema version " + std::to_string(found) +
                       " is newer than this feedpop understands (" + std::to_string(known) +
                       "); refusing to open it",
                   SQLITE_ERROR);
}

} // namespace

std::span<const Migration> schema_migrations() {
  return steps;
}

int latest_schema_version() {
  return steps[std::size(steps) - 1].version;
}

void migrate(sqlite::Database& db, std::span<const Migration> list) {
  const int last = list.empty() ? 0 : list.back().version;
  // The common case (schema current) must not take the write lock: every POP3 session
  // opens a connection, and they would queue behind the fetcher's transactions.
  if (db.pragma_int("PRAGMA user_version") == last) {
    return;
  }
  bool converted = false;
  for (const Migration& step : list) {
    sqlite::Transaction txn(db);
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const auto current = db.pragma_int("PRAGMA user_version");
    if (current > last) {
      refuse_newer(current, last);
    }
    if (current >= step.version) {
      continue;
    }
    db.exec(step.sql);
    if (step.convert != nullptr) {
      step.convert(db);
      converted = true;
    }
    // PRAGMA takes no bound parameters; the version is our own integer.
    db.exec(("PRAGMA user_version = " + std::to_string(step.version)).c_str());
    txn.commit();
  }
  if (converted) {
    // A conversion rewrote data into new pages; hand the old ones back to the file system
    // (auto_vacuum = INCREMENTAL).
    db.exec("PRAGMA incremental_vacuum");
  }
  // Also when there was nothing to apply (the loop above ran no step).
  if (const auto found = db.pragma_int("PRAGMA user_version"); found > last) {
    refuse_newer(found, last);
  }
}

} // namespace feedpop::storage
