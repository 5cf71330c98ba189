// SqliteStore: mailboxes (snapshot, reads, deletions) and maintenance (retention, users).
#include <sqlite3.h>

#include <algorithm>
#include <unordered_set>

#include "storage/mailbox_cache.hpp"
#include "storage/message_chunks.hpp"
#include "storage/sqlite_store.hpp"

namespace feedpop::storage {

namespace {

// "?2, ?, ?, …" (parameters 2, 3, …) for feed keys bound after the user parameter. SQLite
// allows 32766 parameters (since 3.32), far more feeds than any config has. Only the first
// is numbered: a bare ? is one past the largest so far, while compiling each ?NNN token
// looks it up in a list of the statement's names (quadratic for a user of 2,000 feeds).
std::string placeholders(std::size_t count, int first) {
  std::string out(1, '?');
  out += std::to_string(first);
  out.reserve(out.size() + 3 * count);
  for (std::size_t i = 1; i < count; ++i) {
    out += ", ?";
  }
  return out;
}

// A deferred transaction that only reads: every statement inside sees one state of the
// file (WAL), whatever the writer commits meanwhile.
class ReadTransaction {
public:
  explicit ReadTransaction(sqlite::Database& db) : db_(db) { db_.exec("BEGIN"); }
  ~ReadTransaction() {
    if (open_) {
      sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  void end() {
    db_.exec("COMMIT");
    open_ = false;
  }

private:
  sqlite::Database& db_;
  bool open_ = true;
};

// MailboxCache's reads (mailbox_cache.hpp); the change marks are feed_changes.seq
// (migrations.cpp v8).
class SqliteSnapshotReader final : public SnapshotReader {
public:
  explicit SqliteSnapshotReader(sqlite::Database& db) : db_(db) {}

  std::int64_t changes(std::optional<std::int64_t> since,
                       std::vector<std::int64_t>& changed) override {
    if (!since) {
      sqlite::Statement st(db_, "SELECT coalesce(max(seq), 0) FROM feed_changes");
      st.step();
      return st.int64(0);
    }
    std::int64_t mark = *since;
    sqlite::Statement st(db_, "SELECT feed_id, seq FROM feed_changes WHERE seq > ?1");
    st.bind(1, *since);
    while (st.step()) {
      changed.push_back(st.int64(0));
      mark = std::max(mark, st.int64(1));
    }
    return mark;
  }

  std::vector<std::optional<std::int64_t>>
  feed_ids(const std::vector<std::string_view>& keys) override {
    std::vector<std::optional<std::int64_t>> out;
    out.reserve(keys.size());
    sqlite::Statement st(db_, "SELECT id FROM feeds WHERE key = ?1");
    for (const auto key : keys) {
      st.bind(1, key);
      out.push_back(st.step() ? std::optional(st.int64(0)) : std::nullopt);
      st.reset();
    }
    return out;
  }

  // entries_feed covers (feed_id, state, id, size, uidl): index rows only, in id order.
  void load(const std::vector<std::int64_t>& feeds,
            std::vector<std::shared_ptr<FeedEntries>>& out) override {
    sqlite::Statement st(db_, "SELECT id, size, uidl FROM entries WHERE feed_id = ?1 AND "
                              "state = 1 ORDER BY id");
    for (const std::int64_t feed : feeds) {
      auto entries = std::make_shared<FeedEntries>();
      st.bind(1, feed);
      while (st.step()) {
        entries->add(st.int64(0), static_cast<std::uint64_t>(st.int64(1)), st.blob(2));
      }
      st.reset();
      out.push_back(std::move(entries));
    }
  }

  std::vector<EntryId> deletions(std::string_view user) override {
    std::vector<EntryId> out;
    sqlite::Statement st(db_, "SELECT d.entry_id FROM users u JOIN deletions d ON d.user_id "
                              "= u.id WHERE u.name = ?1 ORDER BY d.entry_id");
    st.bind(1, user);
    while (st.step()) {
      out.push_back(st.int64(0));
    }
    return out;
  }

private:
  sqlite::Database& db_;
};

// The readers' shared MailboxCache, or the Store's own.
MailboxCache& mailbox_cache(StoreOptions& options) {
  if (!options.mailbox_cache) {
    options.mailbox_cache = std::make_shared<MailboxCache>();
  }
  return *options.mailbox_cache;
}

// One read transaction: the change marks, the lists loaded and the deletions are one state
// of the database, even while the writer commits.
template <class Fn> auto in_read_transaction(sqlite::Database& db, Fn&& fn) {
  ReadTransaction txn(db);
  SqliteSnapshotReader reader(db);
  auto out = fn(reader);
  txn.end();
  return out;
}

} // namespace

std::vector<MailboxItem> SqliteStore::snapshot(std::string_view user,
                                               const std::vector<std::string>& feed_keys) {
  if (feed_keys.empty()) {
    return {};
  }
  auto& cache = mailbox_cache(options_);
  return in_read_transaction(
      db_, [&](SnapshotReader& reader) { return cache.snapshot(reader, user, feed_keys); });
}

MailboxListing SqliteStore::listing(std::string_view user,
                                    const std::vector<std::string>& feed_keys) {
  if (feed_keys.empty()) {
    return {};
  }
  auto& cache = mailbox_cache(options_);
  return in_read_transaction(
      db_, [&](SnapshotReader& reader) { return cache.listing(reader, user, feed_keys); });
}

std::size_t SqliteStore::read_at(EntryId entry, std::uint64_t offset, char* dest, std::size_t max) {
  // Prepared once per connection: a RETR calls this once per read buffer.
  if (!reader_) {
    reader_ = std::make_unique<ChunkReader>(db_);
  }
  return reader_->read_at(entry, offset, dest, max);
}

void SqliteStore::commit_deletions(std::string_view user, const std::vector<EntryId>& ids) {
  if (ids.empty()) {
    return; // a QUIT without DELE writes nothing
  }
  sqlite::Transaction txn(db_);
  sqlite::Statement add_user(db_, "INSERT INTO users (name) VALUES (?1) ON CONFLICT (name) "
                                  "DO NOTHING");
  add_user.bind(1, user).run();
  const std::int64_t uid = *user_id(user);
  // Selecting the entry makes a deletion of an unknown id a no-op instead of a foreign-key
  // failure that would abort the whole QUIT; OR IGNORE makes repeats idempotent.
  sqlite::Statement add(db_, "INSERT OR IGNORE INTO deletions (user_id, entry_id) "
                             "SELECT ?1, id FROM entries WHERE id = ?2");
  for (const EntryId id : ids) {
    add.bind(1, uid).bind(2, id).run();
  }
  txn.commit();
}

std::size_t SqliteStore::purge_retention(std::string_view feed_key,
                                         std::optional<std::chrono::seconds> max_age,
                                         std::optional<std::size_t> max_entries, Time now,
                                         const std::vector<EntryId>& pinned) {
  if (!max_age && !max_entries) {
    return 0;
  }
  std::size_t purged = 0;
  {
    sqlite::Transaction txn(db_);
    const auto feed = feed_id(feed_key);
    if (!feed) {
      return 0;
    }
    const std::int64_t cutoff = max_age ? (now - *max_age).time_since_epoch().count() : INT64_MIN;
    const std::int64_t keep = max_entries ? static_cast<std::int64_t>(*max_entries) : INT64_MAX;
    // Newest first: row number ≥ keep is beyond max_entries.
    sqlite::Statement select(db_, "SELECT id, first_seen FROM entries WHERE feed_id = ?1 AND "
                                  "state = 1 ORDER BY id DESC");
    select.bind(1, *feed);
    const std::unordered_set<EntryId> keep_pinned(pinned.begin(), pinned.end());
    std::vector<EntryId> doomed;
    for (std::int64_t rank = 0; select.step(); ++rank) {
      const EntryId id = select.int64(0);
      if ((rank >= keep || select.int64(1) < cutoff) && !keep_pinned.contains(id)) {
        doomed.push_back(id);
      }
    }
    // The entry row stays (state 2) so the feed never delivers the entry again; its
    // bytes and the users' deletion marks for it are no longer needed.
    sqlite::Statement drop_bytes(db_, "DELETE FROM message_chunks WHERE id >= ?1 AND id < ?2");
    sqlite::Statement mark(db_, "UPDATE entries SET state = 2 WHERE id = ?1");
    sqlite::Statement drop_marks(db_, "DELETE FROM deletions WHERE user_id IN (SELECT id FROM "
                                      "users) AND entry_id = ?1");
    sqlite::Statement drop_item(db_, "DELETE FROM digest_items WHERE entry_id = ?1");
    sqlite::Statement drop_tags(db_, "DELETE FROM entry_tags WHERE entry_id = ?1");
    for (const EntryId id : doomed) {
      drop_bytes.bind(1, chunk_rowid(id)).bind(2, chunk_rowid(id + 1)).run();
      drop_item.bind(1, id).run();
      drop_tags.bind(1, id).run();
      mark.bind(1, id).run();
      drop_marks.bind(1, id).run();
    }
    txn.commit();
    purged = doomed.size();
  }
  if (purged > 0) {
    db_.exec("PRAGMA incremental_vacuum");
  }
  return purged;
}

void SqliteStore::purge_user(std::string_view user) {
  sqlite::Transaction txn(db_);
  sqlite::Statement drop(db_, "DELETE FROM users WHERE name = ?1"); // cascades to deletions
  drop.bind(1, user).run();
  txn.commit();
}

std::vector<FeedCounts> SqliteStore::feed_counts() {
  sqlite::Statement st(db_, "SELECT f.key, (SELECT COUNT(*) FROM entries e WHERE e.feed_id = "
                            "f.id AND e.state IN (1, 2)) FROM feeds f ORDER BY f.key");
  std::vector<FeedCounts> out;
  while (st.step()) {
    out.push_back(FeedCounts{st.text(0), static_cast<std::uint64_t>(st.int64(1))});
  }
  return out;
}

UserCounts SqliteStore::user_counts(std::string_view user,
                                    const std::vector<std::string>& feed_keys) {
  UserCounts counts;
  counts.name = std::string(user);
  if (feed_keys.empty()) {
    return counts;
  }
  sqlite::Statement st(
      db_, "SELECT COUNT(*), COUNT(d.entry_id) FROM feeds f JOIN entries e ON e.feed_id = "
           "f.id AND e.state = 1 LEFT JOIN deletions d ON d.user_id = ?1 AND d.entry_id = e.id "
           "WHERE f.key IN (" +
               placeholders(feed_keys.size(), 2) + ")");
  st.bind(1, user_id(user).value_or(-1));
  for (std::size_t i = 0; i < feed_keys.size(); ++i) {
    st.bind(static_cast<int>(i) + 2, std::string_view(feed_keys[i]));
  }
  if (st.step()) {
    const auto stored = static_cast<std::uint64_t>(st.int64(0));
    counts.deleted = static_cast<std::uint64_t>(st.int64(1));
    counts.visible = stored - counts.deleted;
  }
  return counts;
}

void SqliteStore::each_user_deletions(const std::function<void(const UserDeletions&)>& each) {
  const UnmappedScan scan(db_);
  // One scan of the deletions, grouped in one sort (the ORDER BY is the GROUP BY's; BINARY
  // collation: bytewise).
  sqlite::Statement st(db_, "SELECT u.name, f.key, count(*) FROM users u JOIN deletions d ON "
                            "d.user_id = u.id JOIN entries e ON e.id = d.entry_id AND e.state = 1 "
                            "JOIN feeds f ON f.id = e.feed_id GROUP BY u.name, f.key ORDER BY "
                            "u.name, f.key");
  UserDeletions user;
  while (st.step()) {
    std::string name = st.text(0);
    if (name != user.user && !user.feeds.empty()) {
      each(user);
      user.feeds.clear();
    }
    user.user = std::move(name);
    user.feeds.emplace_back(st.text(1), static_cast<std::uint64_t>(st.int64(2)));
  }
  if (!user.feeds.empty()) {
    each(user);
  }
}

} // namespace feedpop::storage
