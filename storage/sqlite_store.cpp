#include "storage/sqlite_store.hpp"

#include <sqlite3.h>

#include "storage/entry_tags.hpp"
#include "storage/feed_columns.hpp"
#include "storage/message_chunks.hpp"
#include "storage/migrations.hpp"
#include "storage/uidl.hpp"

namespace feedpop::storage {

namespace {

// 4 KiB pages (bench/RESULTS.md): the OS page size, and message chunks are sized to pack
// eight to a 4 KiB leaf (message_chunks.hpp).
constexpr int page_size = 4096;

constexpr const char* map_pages = "PRAGMA mmap_size = 268435456";

std::optional<std::int64_t> to_int(const std::optional<Time>& t) {
  if (!t) {
    return std::nullopt;
  }
  return t->time_since_epoch().count();
}

std::optional<Time> to_time(const std::optional<std::int64_t>& v) {
  if (!v) {
    return std::nullopt;
  }
  return Time(std::chrono::seconds(*v));
}

std::optional<std::int64_t> to_int(const std::optional<int>& v) {
  if (!v) {
    return std::nullopt;
  }
  return *v;
}

FeedState read_feed(const sqlite::Statement& st) {
  FeedState f;
  f.key = st.text(0);
  f.config_url = st.text(1);
  f.url = st.text(2);
  f.etag = st.opt_text(3);
  f.last_modified = st.opt_text(4);
  f.last_status = st.text(5);
  if (auto code = st.opt_int64(6)) {
    f.http_code = static_cast<int>(*code);
  }
  f.last_error = st.opt_text(7);
  f.consecutive_failures = static_cast<int>(st.int64(8));
  f.last_poll = to_time(st.opt_int64(9));
  f.last_success = to_time(st.opt_int64(10));
  f.next_poll = to_time(st.opt_int64(11));
  f.failing_since = to_time(st.opt_int64(12));
  f.failure_notified = st.int64(13) != 0;
  f.redirect_to = st.opt_text(14);
  f.redirect_seen = static_cast<int>(st.int64(15));
  f.disabled = st.int64(16) != 0;
  return f;
}

std::string upsert_feed_sql() {
  return std::string("INSERT INTO feeds (") + feed_columns +
         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)" +
         feed_upsert_updates;
}

// Switches the connection's synchronous mode for one transaction, back to FULL after it.
class SyncGuard {
public:
  SyncGuard(sqlite::Database& db, const char* mode) : db_(db) {
    db_.exec((std::string("PRAGMA synchronous = ") + mode).c_str());
  }
  ~SyncGuard() {
    // The connection default (configure()); cannot fail outside a transaction.
    sqlite3_exec(db_.handle(), "PRAGMA synchronous = FULL", nullptr, nullptr, nullptr);
  }
  SyncGuard(const SyncGuard&) = delete;
  SyncGuard& operator=(const SyncGuard&) = delete;

private:
  sqlite::Database& db_;
};

} // namespace

// The statements of the ingest path, prepared once per connection: insert_entries runs once
// per poll, and preparing them every time cost about as much as storing a few entries.
// Each is reset after use (Statement::run, or explicitly), so none holds a read transaction.
struct SqliteStore::IngestStatements {
  explicit IngestStatements(sqlite::Database& db)
      : upsert(db, upsert_feed_sql()), feed_id(db, "SELECT id FROM feeds WHERE key = ?1"),
        find(db, "SELECT identity FROM entries WHERE uidl = ?1"),
        add(db, "INSERT INTO entries (feed_id, uidl, identity, content_hash, state, size, "
                "entry_date, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        chunks(db),
        state(db, std::string("SELECT ") + feed_columns + " FROM feeds WHERE key = ?1") {}
  sqlite::Statement upsert;
  sqlite::Statement feed_id;
  sqlite::Statement find;
  sqlite::Statement add;
  ChunkWriter chunks;
  sqlite::Statement state; // feed_state(): once per poll (ingest/poll_schedule.cpp)
};

SqliteStore::IngestStatements& SqliteStore::ingest() {
  if (!ingest_) {
    ingest_ = std::make_unique<IngestStatements>(db_);
  }
  return *ingest_;
}

SqliteStore::~SqliteStore() = default;

SqliteStore::SqliteStore(const std::string& path, Role role, StoreOptions options)
    : db_(path), options_(std::move(options)) {
  configure(role);
  migrate(db_, schema_migrations());
}

void SqliteStore::configure(Role role) {
  sqlite3_busy_timeout(db_.handle(), static_cast<int>(options_.busy_timeout.count()));
  // Page size and auto_vacuum only take effect before the first table exists (and
  // before WAL mode is set); on an existing file these statements are skipped.
  if (db_.pragma_int("PRAGMA page_count") == 0) {
    const int size = options_.page_size > 0 ? options_.page_size : page_size;
    db_.exec(("PRAGMA page_size = " + std::to_string(size)).c_str());
    // Retention frees whole messages; incremental vacuum returns those pages to the OS.
    db_.exec("PRAGMA auto_vacuum = INCREMENTAL");
  }
  sqlite::Statement mode(db_, "PRAGMA journal_mode");
  if (!mode.step() || mode.text(0) != "wal") {
    mode.reset();
    sqlite::Statement set(db_, "PRAGMA journal_mode = WAL");
    if (!set.step() || set.text(0) != "wal") {
      throw StoreError("sqlite: cannot switch the database to WAL mode", SQLITE_ERROR);
    }
  }
  db_.exec("PRAGMA foreign_keys = ON");
  // Reads go through the OS page cache without a copy into SQLite's cache: snapshot()
  // scans every entry row of a mailbox. I/O errors on a mapped file become SIGBUS, but the
  // database is a local file that we own.
  db_.exec(map_pages);
  db_.exec("PRAGMA synchronous = FULL");
  // Readers are many and short-lived; keep their page cache small (default is 2 MB).
  if (role == Role::reader) {
    db_.exec("PRAGMA cache_size = -512");
  }
}

Time SqliteStore::now() const {
  if (options_.clock) {
    return options_.clock();
  }
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::optional<std::int64_t> SqliteStore::feed_id(std::string_view key) {
  sqlite::Statement st(db_, "SELECT id FROM feeds WHERE key = ?1");
  st.bind(1, key);
  if (!st.step()) {
    return std::nullopt;
  }
  return st.int64(0);
}

std::optional<std::int64_t> SqliteStore::user_id(std::string_view name) {
  sqlite::Statement st(db_, "SELECT id FROM users WHERE name = ?1");
  st.bind(1, name);
  if (!st.step()) {
    return std::nullopt;
  }
  return st.int64(0);
}

std::optional<FeedState> SqliteStore::feed_state(std::string_view feed_key) {
  sqlite::Statement& st = ingest().state;
  st.bind(1, feed_key);
  std::optional<FeedState> out;
  try {
    if (st.step()) {
      out = read_feed(st);
    }
  } catch (...) {
    st.reset();
    throw;
  }
  st.reset();
  return out;
}

std::vector<FeedState> SqliteStore::feed_states() {
  sqlite::Statement st(db_, std::string("SELECT ") + feed_columns + " FROM feeds ORDER BY key");
  std::vector<FeedState> out;
  while (st.step()) {
    out.push_back(read_feed(st));
  }
  return out;
}

SqliteStore::UnmappedScan::UnmappedScan(sqlite::Database& db) : db_(db) {
  db_.exec("PRAGMA mmap_size = 0");
}

SqliteStore::UnmappedScan::~UnmappedScan() {
  // A failure leaves the connection unmapped: slower reads, still correct ones.
  sqlite3_exec(db_.handle(), map_pages, nullptr, nullptr, nullptr);
}

void SqliteStore::each_feed_summary(const std::function<void(const FeedSummary&)>& each) {
  const UnmappedScan scan(db_);
  // One pass over the entries_feed index (feed_id order) counts every feed; the rows come
  // in key order from the feeds' unique key index.
  sqlite::Statement st(
      db_, std::string("SELECT ") + feed_columns +
               ", coalesce(c.entries, 0), coalesce(c.listed, 0) FROM feeds LEFT JOIN (SELECT "
               "feed_id, count(*) AS entries, sum(state = 1) AS listed FROM entries WHERE "
               "state IN (1, 2) GROUP BY feed_id) c ON c.feed_id = feeds.id ORDER BY key");
  FeedSummary row;
  while (st.step()) {
    row.state = read_feed(st);
    row.entries = static_cast<std::uint64_t>(st.int64(17));
    row.listed = static_cast<std::uint64_t>(st.int64(18));
    each(row);
  }
}

void SqliteStore::upsert_feed(std::string_view key, const FeedState& s) {
  sqlite::Statement& st = ingest().upsert;
  st.bind(1, key).bind(2, std::string_view(s.config_url)).bind(3, std::string_view(s.url));
  st.bind(4, s.etag).bind(5, s.last_modified).bind(6, std::string_view(s.last_status));
  st.bind(7, to_int(s.http_code)).bind(8, s.last_error);
  st.bind(9, std::int64_t{s.consecutive_failures});
  st.bind(10, to_int(s.last_poll)).bind(11, to_int(s.last_success));
  st.bind(12, to_int(s.next_poll)).bind(13, to_int(s.failing_since));
  st.bind(14, std::int64_t{s.failure_notified}).bind(15, s.redirect_to);
  st.bind(16, std::int64_t{s.redirect_seen}).bind(17, std::int64_t{s.disabled});
  st.run();
}

void SqliteStore::save_feed_state(const FeedState& state) {
  // Not fsynced, like insert_entries' commits (see there): a state lost to power loss means
  // one poll is made again. An all-304 poll of many feeds is this call per feed.
  const SyncGuard relaxed(db_, "NORMAL");
  sqlite::Transaction txn(db_);
  upsert_feed(state.key, state);
  txn.commit();
}

std::vector<std::pair<std::string, std::string>>
SqliteStore::known_entries(std::string_view feed_key) {
  sqlite::Statement st(db_, "SELECT e.identity, e.content_hash FROM entries e JOIN feeds f ON "
                            "f.id = e.feed_id WHERE f.key = ?1 ORDER BY e.id");
  st.bind(1, feed_key);
  std::vector<std::pair<std::string, std::string>> out;
  while (st.step()) {
    out.emplace_back(st.text(0), st.text(1));
  }
  return out;
}

std::vector<bool> SqliteStore::insert_entries(std::string_view feed_key,
                                              const std::vector<NewEntry>& entries,
                                              const FeedState& state) {
  // WAL with synchronous=NORMAL: this commit is not fsynced (a process crash still loses
  // nothing; power loss may drop the last polls, which the next poll fetches again, with
  // the same UIDLs). No committed deletion is put at risk: deletions commit with
  // synchronous=FULL, and the fsync of their WAL frames makes every earlier frame durable
  // too, so a deletion never survives without the entry it names.
  const SyncGuard relaxed(db_, "NORMAL");
  sqlite::Transaction txn(db_);
  // The feed row is keyed by the argument; state.key may be left empty by callers.
  upsert_feed(feed_key, state);
  IngestStatements& st = ingest();
  st.feed_id.bind(1, feed_key);
  if (!st.feed_id.step()) {
    throw StoreError("sqlite: feed row vanished inside its transaction", SQLITE_ERROR);
  }
  const std::int64_t feed = st.feed_id.int64(0);
  st.feed_id.reset();
  const std::int64_t first_seen = now().time_since_epoch().count();

  sqlite::Statement& find = st.find;
  sqlite::Statement& add = st.add;
  std::vector<bool> fresh;
  fresh.reserve(entries.size());
  for (const NewEntry& e : entries) {
    if (e.revises) {
      revise(feed_key, e);
      fresh.push_back(false);
      continue;
    }
    const std::string uidl = derive_uidl(feed_key, e.identity);
    find.bind(1, std::string_view(uidl));
    const bool known = find.step();
    const bool collision = known && find.text(0) != e.identity;
    find.reset();
    if (collision) {
      // Two identities hashing to the same 128 bits: never expected; refusing keeps
      // UIDLs unique rather than silently hiding an entry.
      throw StoreError("sqlite: UIDL collision in feed " + std::string(feed_key), SQLITE_ERROR);
    }
    fresh.push_back(!known);
    if (known) {
      continue;
    }
    add.bind(1, feed).bind(2, std::string_view(uidl)).bind(3, std::string_view(e.identity));
    add.bind(4, std::string_view(e.content_hash)).bind(5, std::int64_t{e.deliver ? 1 : 0});
    add.bind(6, static_cast<std::int64_t>(e.deliver ? e.message.size() : 0));
    add.bind(7, to_int(e.entry_date)).bind(8, first_seen);
    add.run();
    const std::int64_t entry = db_.last_insert_rowid();
    if (e.deliver) {
      st.chunks.write(entry, e.message);
      if (!e.digest_item.empty()) {
        sqlite::Statement item(db_, "INSERT INTO digest_items (entry_id, item) VALUES (?1, ?2)");
        item.bind(1, entry).bind_blob(2, e.digest_item).run();
      }
      sqlite_save_tags(db_, entry, feed, e.tags);
    }
    if (e.revision) {
      save_revision(entry, e.revision, std::nullopt);
    }
  }
  txn.commit();
  return fresh;
}

std::unique_ptr<Store> open_sqlite_store(const std::string& path, Role role, StoreOptions options) {
  return std::make_unique<SqliteStore>(path, role, std::move(options));
}

} // namespace feedpop::storage
