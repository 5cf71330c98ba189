// PgStore: mailboxes (snapshot, reads, deletions) and maintenance (retention, users).
#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "storage/mailbox_cache.hpp"
#include "storage/pg_store.hpp"

namespace feedpop::storage {

namespace {

// RETR's and QUIT's statements, prepared once per connection (pg_conn.hpp).
// substring() of an uncompressed out-of-line bytea fetches only the TOAST chunks that
// hold the range, so RETR reads each buffer without loading the whole message.
// substring() takes int positions: the start is clamped to just past the end (any offset
// beyond it reads nothing), the length to what one call may return.
const pg::Statement read_range{"read_range",
                               "SELECT substring(bytes FROM LEAST($2::bigint, length(bytes) + "
                               "1)::int FOR $3::int) FROM messages WHERE entry_id = $1"};
const pg::Statement add_user{"add_user",
                             "INSERT INTO users (name) VALUES ($1) ON CONFLICT (name) DO NOTHING"};
// Joining entries makes an unknown id a no-op instead of a foreign-key failure that
// would abort the whole QUIT; ON CONFLICT makes repeats idempotent.
const pg::Statement add_deletions{
    "add_deletions",
    "INSERT INTO deletions (user_id, entry_id) SELECT u.id, e.id FROM users u, entries e "
    "WHERE u.name = $1 AND e.id = ANY($2::bigint[]) ON CONFLICT DO NOTHING"};

// pg_mailbox_reads()'s counts.
std::atomic<std::uint64_t> changed_feeds{0};
std::atomic<std::uint64_t> loaded_feeds{0};
std::atomic<std::uint64_t> loaded_rows{0};

// The snapshots (pg_current_snapshot()) the MailboxCaches of this process listed at, each
// named by a token: a cache's watermark is the token of its last snapshot, so the next
// login asks for exactly the changes that snapshot did not see. Tokens are unique in the
// process, so a cache never meets another cache's snapshot (nor one of another database).
// The oldest are forgotten beyond `capacity`; a token no longer known reads as a snapshot
// that saw nothing (every changed feed reloaded once: slower, never stale).
class SnapshotTokens {
public:
  static constexpr std::size_t capacity = 4096;
  static constexpr const char* saw_nothing = "1:1:";

  std::int64_t remember(std::string snapshot) {
    std::lock_guard lock(mutex_);
    const std::int64_t token = next_++;
    snapshots_.emplace(token, std::move(snapshot));
    if (snapshots_.size() > capacity) {
      snapshots_.erase(snapshots_.begin());
    }
    return token;
  }
  std::string recall(std::int64_t token) const {
    std::lock_guard lock(mutex_);
    const auto it = snapshots_.find(token);
    return it == snapshots_.end() ? saw_nothing : it->second;
  }

private:
  mutable std::mutex mutex_;
  std::int64_t next_ = 1;
  std::map<std::int64_t, std::string> snapshots_;
};

SnapshotTokens& snapshot_tokens() {
  static SnapshotTokens tokens;
  return tokens;
}

// MailboxCache's reads (mailbox_cache.hpp) inside one REPEATABLE READ transaction. The
// change marks are feed_changes.xid (pg_migrations.cpp v6): the id of the last transaction
// that changed the feed's delivered list (writers of one feed update its row one after the
// other, so the row seen is the newest change this transaction sees). A feed's list is as
// the previous snapshot saw it exactly when that id is visible in the previous snapshot
// (pg_visible_in_snapshot), so the feeds to reload are those whose id is not: at or past
// its xmax, or in its list of transactions then running. Unlike "xid >= its xmin", that
// stays a handful of feeds while a long transaction holds every snapshot's xmin back.
// Snapshots taken out of order (this one older than the previous) keep lists newer than
// this one, never older, and the next login compares against this older one: more reloads.
class PgSnapshotReader final : public SnapshotReader {
public:
  explicit PgSnapshotReader(pg::Executor& db) : db_(db) {}

  std::int64_t changes(std::optional<std::int64_t> since,
                       std::vector<std::int64_t>& changed) override {
    // The first statement takes the transaction's snapshot.
    if (!since) {
      return snapshot_tokens().remember(db_.exec("SELECT pg_current_snapshot()::text").text(0, 0));
    }
    // The not-visible test spelled as two ranges of the feed_changes_xid index.
    auto r = db_.exec("SELECT pg_current_snapshot()::text, c.feed_id FROM (SELECT 1) one LEFT "
                      "JOIN feed_changes c ON c.xid >= pg_snapshot_xmax($1::pg_snapshot) OR "
                      "c.xid = ANY(ARRAY(SELECT pg_snapshot_xip($1::pg_snapshot)))",
                      {snapshot_tokens().recall(*since)});
    for (int i = 0; i < r.rows(); ++i) {
      if (!r.null(i, 1)) {
        changed.push_back(r.int64(i, 1));
      }
    }
    changed_feeds += changed.size();
    return snapshot_tokens().remember(r.text(0, 0));
  }

  std::vector<std::optional<std::int64_t>>
  feed_ids(const std::vector<std::string_view>& keys) override {
    std::vector<std::string> texts(keys.begin(), keys.end());
    auto r = db_.exec("SELECT k.i, f.id FROM unnest($1::text[]) WITH ORDINALITY k(key, i) "
                      "JOIN feeds f ON f.key = k.key",
                      {pg::text_array(texts)});
    std::vector<std::optional<std::int64_t>> out(keys.size());
    for (int i = 0; i < r.rows(); ++i) {
      out[static_cast<std::size_t>(r.int64(i, 0) - 1)] = r.int64(i, 1);
    }
    return out;
  }

  void load(const std::vector<std::int64_t>& feeds,
            std::vector<std::shared_ptr<FeedEntries>>& out) override {
    std::vector<std::string> ids;
    ids.reserve(feeds.size());
    for (const std::int64_t feed : feeds) {
      ids.push_back(std::to_string(feed));
    }
    auto r = db_.exec("SELECT feed_id, id, size, uidl FROM entries WHERE feed_id = "
                      "ANY($1::bigint[]) AND state = 1 ORDER BY feed_id, id",
                      {pg::text_array(ids)});
    std::unordered_map<std::int64_t, std::size_t> at;
    for (std::size_t i = 0; i < feeds.size(); ++i) {
      at.emplace(feeds[i], i);
      out.push_back(std::make_shared<FeedEntries>());
    }
    for (int i = 0; i < r.rows(); ++i) {
      out[at.at(r.int64(i, 0))]->add(r.int64(i, 1), static_cast<std::uint64_t>(r.int64(i, 2)),
                                     r.bytes(i, 3));
    }
    loaded_feeds += feeds.size();
    loaded_rows += static_cast<std::uint64_t>(r.rows());
  }

  std::vector<EntryId> deletions(std::string_view user) override {
    auto r = db_.exec("SELECT d.entry_id FROM users u JOIN deletions d ON d.user_id = u.id "
                      "WHERE u.name = $1 ORDER BY d.entry_id",
                      {user});
    std::vector<EntryId> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back(r.int64(i, 0));
    }
    return out;
  }

private:
  pg::Executor& db_;
};

// The readers' shared MailboxCache, or the Store's own.
MailboxCache& mailbox_cache(StoreOptions& options) {
  if (!options.mailbox_cache) {
    options.mailbox_cache = std::make_shared<MailboxCache>();
  }
  return *options.mailbox_cache;
}

// REPEATABLE READ: every statement of the snapshot sees one state of the database,
// whichever node committed what meanwhile. Arrival order = entry id.
template <class Fn> auto in_read_transaction(pg::Executor& db, Fn&& fn) {
  db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    PgSnapshotReader reader(db);
    auto out = fn(reader);
    db.exec("COMMIT");
    return out;
  } catch (...) {
    db.rollback(); // never throws: a broken connection's error is the one being thrown
    throw;
  }
}

} // namespace

PgMailboxReads pg_mailbox_reads() {
  return PgMailboxReads{changed_feeds.load(), loaded_feeds.load(), loaded_rows.load()};
}

std::vector<MailboxItem> PgStore::snapshot(std::string_view user,
                                           const std::vector<std::string>& feed_keys) {
  if (feed_keys.empty()) {
    return {};
  }
  auto& cache = mailbox_cache(options_);
  return in_read_transaction(
      db_, [&](SnapshotReader& reader) { return cache.snapshot(reader, user, feed_keys); });
}

MailboxListing PgStore::listing(std::string_view user, const std::vector<std::string>& feed_keys) {
  if (feed_keys.empty()) {
    return {};
  }
  auto& cache = mailbox_cache(options_);
  return in_read_transaction(
      db_, [&](SnapshotReader& reader) { return cache.listing(reader, user, feed_keys); });
}

std::size_t PgStore::read_at(EntryId entry, std::uint64_t offset, char* dest, std::size_t max) {
  const auto start = static_cast<std::int64_t>(std::min<std::uint64_t>(offset, INT32_MAX - 1)) + 1;
  const auto length = static_cast<std::int64_t>(std::min<std::size_t>(max, INT32_MAX));
  auto r = db_.exec(read_range, {static_cast<std::int64_t>(entry), start, length}, true);
  if (r.rows() == 0) {
    throw StoreError("postgresql: message " + std::to_string(entry) + " is not stored", 1);
  }
  const std::string_view bytes = r.bytes(0, 0);
  const std::size_t n = std::min(bytes.size(), max);
  std::memcpy(dest, bytes.data(), n);
  return n;
}

void PgStore::commit_deletions(std::string_view user, const std::vector<EntryId>& ids) {
  if (ids.empty()) {
    return; // a QUIT without DELE writes nothing
  }
  std::vector<std::string> id_texts;
  id_texts.reserve(ids.size());
  for (const EntryId id : ids) {
    id_texts.push_back(std::to_string(id));
  }
  pg::Transaction txn(db_);
  db_.exec(add_user, {user});
  db_.exec(add_deletions, {user, pg::text_array(id_texts)});
  txn.commit();
}

std::size_t PgStore::purge_retention(std::string_view feed_key,
                                     std::optional<std::chrono::seconds> max_age,
                                     std::optional<std::size_t> max_entries, Time now,
                                     const std::vector<EntryId>& pinned) {
  if (!max_age && !max_entries) {
    return 0;
  }
  pg::Transaction txn(db_);
  auto feed = db_.exec("SELECT id FROM feeds WHERE key = $1", {feed_key});
  if (feed.rows() == 0) {
    return 0;
  }
  const std::int64_t cutoff = max_age ? (now - *max_age).time_since_epoch().count() : INT64_MIN;
  const std::int64_t keep = max_entries ? static_cast<std::int64_t>(*max_entries) : INT64_MAX;
  // Newest first: row number ≥ keep is beyond max_entries.
  auto rows = db_.exec("SELECT id, first_seen FROM entries WHERE feed_id = $1 AND state = 1 "
                       "ORDER BY id DESC",
                       {feed.int64(0, 0)});
  const std::unordered_set<EntryId> keep_pinned(pinned.begin(), pinned.end());
  std::vector<std::string> doomed;
  for (int rank = 0; rank < rows.rows(); ++rank) {
    const EntryId id = rows.int64(rank, 0);
    if ((rank >= keep || rows.int64(rank, 1) < cutoff) && !keep_pinned.contains(id)) {
      doomed.push_back(std::to_string(id));
    }
  }
  if (doomed.empty()) {
    return 0;
  }
  // The entry row stays (state 2) so the feed never delivers the entry again; its bytes
  // and the users' deletion marks for it are no longer needed.
  const std::string ids = pg::text_array(doomed);
  db_.exec("DELETE FROM messages WHERE entry_id = ANY($1::bigint[])", {ids});
  db_.exec("DELETE FROM digest_items WHERE entry_id = ANY($1::bigint[])", {ids});
  db_.exec("DELETE FROM entry_tags WHERE entry_id = ANY($1::bigint[])", {ids});
  db_.exec("DELETE FROM deletions WHERE entry_id = ANY($1::bigint[])", {ids});
  db_.exec("UPDATE entries SET state = 2 WHERE id = ANY($1::bigint[])", {ids});
  txn.commit();
  return doomed.size();
}

void PgStore::purge_user(std::string_view user) {
  db_.exec("DELETE FROM users WHERE name = $1", {user}); // cascades to deletions
}

std::vector<FeedCounts> PgStore::feed_counts() {
  auto r = db_.exec("SELECT f.key, (SELECT COUNT(*) FROM entries e WHERE e.feed_id = f.id AND "
                    "e.state IN (1, 2)) FROM feeds f ORDER BY f.key");
  std::vector<FeedCounts> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(FeedCounts{r.text(i, 0), static_cast<std::uint64_t>(r.int64(i, 1))});
  }
  return out;
}

UserCounts PgStore::user_counts(std::string_view user, const std::vector<std::string>& feed_keys) {
  UserCounts counts;
  counts.name = std::string(user);
  if (feed_keys.empty()) {
    return counts;
  }
  auto r = db_.exec("SELECT COUNT(*), COUNT(d.entry_id) FROM feeds f JOIN entries e ON "
                    "e.feed_id = f.id AND e.state = 1 LEFT JOIN deletions d ON d.entry_id = e.id "
                    "AND d.user_id = (SELECT id FROM users WHERE name = $1) WHERE f.key = "
                    "ANY($2::text[])",
                    {user, pg::text_array(feed_keys)});
  const auto stored = static_cast<std::uint64_t>(r.int64(0, 0));
  counts.deleted = static_cast<std::uint64_t>(r.int64(0, 1));
  counts.visible = stored - counts.deleted;
  return counts;
}

} // namespace feedpop::storage
