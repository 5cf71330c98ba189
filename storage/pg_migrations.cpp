// The PostgreSQL schema's history: the same model as migrations.cpp for SQLite (an
// ordered list, each step in its own transaction with its version recorded in the same
// transaction, a newer database refused), kept in table schema_version.
//
// Layout mirrors the SQLite schema: feeds, entries (metadata, UIDL; state 0 = seen, never
// delivered, 1 = delivered, 2 = delivered then purged), messages (bytes, stored
// uncompressed out of line so substring() reads a range without decompressing the whole
// value), users, deletions, and feed_leases (which node polls a feed until when).

#include <span>
#include <string>

#include "storage/entry_tags.hpp"
#include "storage/pg_conn.hpp"
#include "storage/pg_migrations.hpp"
#include "storage/pg_store.hpp"

namespace feedpop::storage {

namespace {

struct PgMigration {
  int version;
  const char* sql;
  // Data conversion run after `sql` in the same transaction.
  void (*convert)(pg::Connection&) = nullptr;
};

constexpr const char* schema_v1 = R"sql(
CREATE TABLE feeds (
  id BIGSERIAL PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  config_url TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  etag TEXT,
  last_modified TEXT,
  last_status TEXT NOT NULL DEFAULT 'never',
  http_code INTEGER,
  last_error TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_poll BIGINT,
  last_success BIGINT,
  next_poll BIGINT,
  failing_since BIGINT,
  failure_notified INTEGER NOT NULL DEFAULT 0,
  redirect_to TEXT,
  redirect_seen INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE entries (
  id BIGSERIAL PRIMARY KEY,
  feed_id BIGINT NOT NULL REFERENCES feeds(id),
  uidl TEXT NOT NULL UNIQUE,
  identity TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  state SMALLINT NOT NULL CHECK (state IN (0, 1, 2)),
  size BIGINT NOT NULL,
  entry_date BIGINT,
  first_seen BIGINT NOT NULL
);
CREATE INDEX entries_feed ON entries(feed_id, state, id);
CREATE TABLE messages (
  entry_id BIGINT PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  bytes BYTEA NOT NULL
);
ALTER TABLE messages ALTER COLUMN bytes SET STORAGE EXTERNAL;
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE deletions (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  entry_id BIGINT NOT NULL REFERENCES entries(id),
  PRIMARY KEY (user_id, entry_id)
);
CREATE TABLE feed_leases (
  feed_key TEXT PRIMARY KEY,
  node TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL
);
)sql";

// Feeds that users add by mail or on the web page (SQLite: migrations.cpp v4).
constexpr const char* schema_v2 = R"sql(
CREATE TABLE user_feeds (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  url TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '',
  paused INTEGER NOT NULL DEFAULT 0,
  created BIGINT NOT NULL,
  PRIMARY KEY (owner, key)
);
)sql";

// Digests (SQLite: migrations.cpp v5).
constexpr const char* schema_v3 = R"sql(
CREATE TABLE digest_items (
  entry_id BIGINT PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  item BYTEA NOT NULL
);
CREATE TABLE digest_coverage (
  digest_key TEXT NOT NULL,
  entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  period TEXT NOT NULL,
  PRIMARY KEY (digest_key, entry_id)
);
)sql";

// Revisions of entries of feeds tracking updates (SQLite: migrations.cpp v6).
constexpr const char* schema_v4 = R"sql(
CREATE TABLE revisions (
  entry_id BIGINT PRIMARY KEY REFERENCES entries(id) ON DELETE CASCADE,
  revision TEXT,
  revised_at BIGINT
);
)sql";

// Rule tags of delivered entries (SQLite: migrations.cpp v7; storage/entry_tags.hpp),
// filled from the Keywords of the messages already stored.
constexpr const char* schema_v5 = R"sql(
CREATE TABLE entry_tags (
  tag TEXT NOT NULL,
  feed_id BIGINT NOT NULL,
  entry_id BIGINT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
  PRIMARY KEY (tag, feed_id, entry_id)
);
CREATE INDEX entry_tags_entry ON entry_tags(entry_id);
)sql";

// Which feeds' delivered lists changed, for the readers' MailboxCache (mailbox_cache.hpp;
// SQLite: migrations.cpp v8). Nodes commit concurrently, so the mark is the writing
// transaction's id: a reader finds every change its last snapshot missed as the ids not
// visible in that snapshot (pg_mailbox.cpp). Repeated stamps within one transaction do not
// rewrite the row.
constexpr const char* schema_v6 = R"sql(
CREATE TABLE feed_changes (
  feed_id BIGINT PRIMARY KEY,
  xid xid8 NOT NULL
);
CREATE INDEX feed_changes_xid ON feed_changes (xid);
CREATE FUNCTION feedpop_feed_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO feed_changes (feed_id, xid) VALUES (NEW.feed_id, pg_current_xact_id())
    ON CONFLICT (feed_id) DO UPDATE SET xid = EXCLUDED.xid
    WHERE feed_changes.xid <> EXCLUDED.xid;
  RETURN NULL;
END $$;
CREATE TRIGGER entries_delivered AFTER INSERT ON entries FOR EACH ROW
  WHEN (NEW.state = 1) EXECUTE FUNCTION feedpop_feed_changed();
CREATE TRIGGER entries_state_changed AFTER UPDATE OF state ON entries FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION feedpop_feed_changed();
)sql";

constexpr PgMigration steps[] = {
    {1, schema_v1},
    {2, schema_v2},
    {3, schema_v3},
    {4, schema_v4},
    {5, schema_v5, pg_backfill_tags},
    {6, schema_v6},
};

// Any constant shared by every feedpop node: serialises concurrent first starts.
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(7265656470)";

} // namespace

int pg_latest_schema_version() {
  return std::span(steps).back().version;
}

namespace {

// The common case, a node's connection pool opening an up-to-date database (pg_pool.cpp
// checks once per pool), in one statement without a transaction or the migration lock.
bool schema_is_current(pg::Connection& db) {
  try {
    const auto r = db.exec("SELECT version FROM schema_version");
    return r.rows() == 1 && r.int64(0, 0) == pg_latest_schema_version();
  } catch (const StoreError&) {
    return false; // no schema_version yet: the first start creates it below
  }
}

} // namespace

void pg_migrate(pg::Connection& db) {
  if (schema_is_current(db)) {
    return;
  }
  pg_migrate_to(db, pg_latest_schema_version());
}

void pg_migrate_to(pg::Connection& db, int version) {
  {
    pg::Transaction txn(db);
    db.exec(migration_lock);
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    if (db.exec("SELECT 1 FROM schema_version").rows() == 0) {
      db.exec("INSERT INTO schema_version (version) VALUES (0)");
    }
    txn.commit();
  }
  for (const PgMigration& step : steps) {
    pg::Transaction txn(db);
    db.exec(migration_lock);
    const auto current = db.exec("SELECT version FROM schema_version").int64(0, 0);
    if (current > pg_latest_schema_version()) {
      throw StoreError("postgresql: the database schema is version " + std::to_string(current) +
                           ", newer than this feedpop (" +
                           std::to_string(pg_latest_schema_version()) + "); upgrade feedpop",
                       1);
    }
    if (current >= step.version || step.version > version) {
      continue; // another node applied it, or an earlier start did; or not asked for
    }
    db.exec_script(step.sql);
    if (step.convert != nullptr) {
      step.convert(db);
    }
    db.exec("UPDATE schema_version SET version = $1",
            {pg::Param(static_cast<std::int64_t>(step.version))});
    txn.commit();
  }
}

} // namespace feedpop::storage
