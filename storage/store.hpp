#pragma once
// The message store (DESIGN.md: "Shared entries, per-user state"). An entry is stored
// once, with its immutable rendered message bytes; a user's mailbox is the entries of
// the feeds passed to snapshot(), minus that user's deletions, in arrival order.
//
// Threading: one Store object per connection and per thread. The fetcher owns the one
// writer (open_store(path, Role::writer)); each POP3 reader opens Role::reader stores.
// Errors: a broken environment (I/O, corruption, full disk) throws StoreError carrying
// SQLite's extended code; nothing here throws for expected conditions.
// Subscriptions are not stored: the caller passes feed keys (the config's, and the keys of
// the user-added feeds listed by user_feeds()).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::storage {

using EntryId = std::int64_t; // arrival order: larger = stored later
class MailboxCache;           // storage/mailbox_cache.hpp
using Time = std::chrono::sys_seconds;

class StoreError : public std::runtime_error {
public:
  StoreError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; } // SQLite extended result code
private:
  int code_;
};

// Poll bookkeeping of one feed (see the fetching issue); the fetcher reads and writes it.
struct FeedState {
  std::string key;
  std::string config_url; // URL in feeds.yaml when last synced
  std::string url;        // URL polled now (differs after a confirmed permanent redirect)
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::string last_status = "never"; // never | ok | not_modified | error | gone
  std::optional<int> http_code;
  std::optional<std::string> last_error;
  int consecutive_failures = 0;
  std::optional<Time> last_poll;
  std::optional<Time> last_success;
  std::optional<Time> next_poll;
  std::optional<Time> failing_since;
  bool failure_notified = false;          // a "feed is failing" notice was delivered
  std::optional<std::string> redirect_to; // permanent redirect target seen last poll
  int redirect_seen = 0;                  // consecutive polls that saw redirect_to
  bool disabled = false;                  // 410 Gone until the config URL changes
};

struct NewEntry {
  std::string identity;     // stable identity within the feed (feeds::entry_identity)
  std::string content_hash; // detects updated entries
  std::string message;      // rendered RFC 5322 bytes, CRLF; empty when !deliver
  std::optional<Time> entry_date;
  bool deliver = true; // false: remembered as seen (filtered / beyond `initial`)
  // What a digest shows of the entry (mail::encode_digest_item), stored with a delivered
  // entry of a feed that a digest covers; empty otherwise.
  std::string digest_item;
  // on_update: redeliver (ingest/revisions.hpp): what readers were last sent of the entry,
  // kept to measure its next change against; nullopt for feeds that do not track updates.
  std::optional<std::string> revision{};
  // Set: nothing is inserted; the entry already stored under `identity` is revised. Its
  // content hash becomes `content_hash`; when `revision` is set, its revision too; when
  // `revised_at` is set, that time is recorded (an update was mailed). No message.
  bool revises = false;
  std::optional<Time> revised_at{};
  // Tags the feed's rules gave a delivered entry (content/rules.hpp `then: tag NAME`; its
  // message's Keywords field names the same), stored with it for tag_view_snapshot().
  // Tags are an ingest-time fact: a revision (`revises`) keeps the entry's stored tags.
  std::vector<std::string> tags{};
};

// What Store::entry_revisions() reports of a stored entry.
struct EntryRevision {
  std::string identity;
  bool delivered = false;              // its message was stored (it reached mailboxes)
  std::optional<std::string> revision; // see NewEntry::revision
  std::optional<Time> revised_at;      // when its last update was mailed
};

// A delivered entry a digest has not covered yet (Store::pending_digest_items).
struct DigestSource {
  EntryId id;
  std::string feed_key;
  Time first_seen;
  std::string item; // NewEntry::digest_item as stored
};

struct MailboxItem {
  EntryId id;
  std::string uidl; // 1–70 chars 0x21–0x7E, derived from (feed key, identity)
  std::uint64_t size;
  std::string feed_key;
};

// A mailbox as Store::listing() gives it: what snapshot() lists, without a string per
// message. uidls[i] views bytes that `owners` keep alive (the reader's remembered feed
// lists), so the listing stays valid as long as the object, wherever it is moved.
struct MailboxListing {
  std::vector<EntryId> ids;
  std::vector<std::uint64_t> sizes;
  std::vector<std::string_view> uidls;
  std::vector<std::shared_ptr<const void>> owners;
};

struct FeedCounts {
  std::string key;
  std::uint64_t entries = 0; // delivered entries stored, all time
};
struct UserCounts {
  std::string name;
  std::uint64_t visible = 0;
  std::uint64_t deleted = 0;
};

// What Store::each_feed_summary() reports of a stored feed (`feedpop stats`).
struct FeedSummary {
  FeedState state;           // as feed_state(state.key) reads it
  std::uint64_t entries = 0; // delivered entries stored, all time (FeedCounts::entries)
  std::uint64_t listed = 0;  // of those, the ones not purged: what its mailboxes list
};
// One user's deletions of listed entries (FeedSummary::listed), per feed.
struct UserDeletions {
  std::string user;
  std::vector<std::pair<std::string, std::uint64_t>> feeds; // feed key, entries deleted
};

// A feed a user added (by mail or the web page), owned by that user. The configuration
// file's feeds are not UserFeeds.
struct UserFeed {
  std::string owner; // user name
  std::string key;   // unique per owner
  std::string url;
  std::vector<std::string> tags; // no spaces inside a tag
  bool paused = false;
  Time created{};
};

class Store {
public:
  virtual ~Store() = default;

  // --- feeds (writer) ---
  virtual std::optional<FeedState> feed_state(std::string_view feed_key) = 0;
  virtual std::vector<FeedState> feed_states() = 0;
  virtual void save_feed_state(const FeedState& state) = 0;
  // identity → content hash of everything stored for the feed (delivered or not).
  virtual std::vector<std::pair<std::string, std::string>>
  known_entries(std::string_view feed_key) = 0;
  // The stored entries of the feed among `identities` (those not stored are left out).
  virtual std::vector<EntryRevision>
  entry_revisions(std::string_view feed_key, const std::vector<std::string>& identities) = 0;
  // One transaction: store entries not yet known (by identity) and the feed state, and
  // apply the revisions (NewEntry::revises) of known ones.
  // Returns, per input entry, whether it was new. Re-inserting a known identity is a no-op;
  // a revision is never new (and a revision of an identity not stored changes nothing).
  virtual std::vector<bool> insert_entries(std::string_view feed_key,
                                           const std::vector<NewEntry>& entries,
                                           const FeedState& state) = 0;

  // --- digests (writer; ingest/digest.hpp) ---
  // A digest is stored as entries of its own key (`digest_key`): the digested users'
  // mailboxes show that key instead of the feeds it covers. Each source entry is recorded
  // as covered by the digest, so building a period twice never shows an entry twice.
  //
  // The stored digest items of feed_keys' delivered (not purged) entries first seen at or
  // before `until` that digest_key has not covered yet, in arrival order.
  virtual std::vector<DigestSource> pending_digest_items(std::string_view digest_key,
                                                         const std::vector<std::string>& feed_keys,
                                                         Time until) = 0;
  // One transaction: stores `messages` as delivered entries of digest_key and records
  // `covered` as covered by it (under `period`). Returns false and changes nothing when
  // one of the messages' identities is already stored (that period was built before).
  virtual bool store_digest(std::string_view digest_key, std::string_view period,
                            const std::vector<NewEntry>& messages,
                            const std::vector<EntryId>& covered) = 0;

  // --- mailboxes (readers) ---
  virtual std::vector<MailboxItem> snapshot(std::string_view user,
                                            const std::vector<std::string>& feed_keys) = 0;
  // A rule tag view (gateway/tag_views.hpp): what snapshot(user, feed_keys) lists plus the
  // entries of tagged_feed_keys stored with `tag` (NewEntry::tags), as one listing read in
  // one consistent state, in arrival order, without the user's deletions, each entry once.
  // The tagged part reads only the stored tag rows of `tag` and those feeds.
  virtual std::vector<MailboxItem>
  tag_view_snapshot(std::string_view user, const std::vector<std::string>& feed_keys,
                    const std::vector<std::string>& tagged_feed_keys, std::string_view tag) = 0;
  // snapshot() without the feed keys, and without a heap string per message (POP3 logins).
  virtual MailboxListing listing(std::string_view user,
                                 const std::vector<std::string>& feed_keys) = 0;
  // Copies up to `max` bytes of the entry's message, from byte `offset` on, into `dest`
  // and returns how many: fewer than max only at the end of the message, 0 at or past it.
  // Any offset is served directly (RETR and TOP pull a message one buffer at a time).
  // Throws StoreError when the entry's bytes are gone (purged) or were never stored.
  virtual std::size_t read_at(EntryId entry, std::uint64_t offset, char* dest, std::size_t max) = 0;
  // RFC 1939 §6: all of a session's deletions in one transaction, idempotent.
  virtual void commit_deletions(std::string_view user, const std::vector<EntryId>& ids) = 0;

  // --- maintenance (writer) ---
  // Removes delivered entries older than max_age and/or beyond the newest max_entries of
  // the feed, except those in `pinned` (entries in open sessions' snapshots). Returns count.
  virtual std::size_t purge_retention(std::string_view feed_key,
                                      std::optional<std::chrono::seconds> max_age,
                                      std::optional<std::size_t> max_entries, Time now,
                                      const std::vector<EntryId>& pinned) = 0;
  virtual void purge_user(std::string_view user) = 0;
  virtual std::vector<FeedCounts> feed_counts() = 0;
  virtual UserCounts user_counts(std::string_view user,
                                 const std::vector<std::string>& feed_keys) = 0;
  // Every feed and user at once, for `feedpop stats` over 100,000 feeds and 10,000 users:
  // each is one read of grouped rows handed over as they come (a query per feed or per
  // user would not scale, nor would holding every row). user_counts(user, keys) follows
  // from them: deleted = the user's UserDeletions counts of `keys`, visible = the keys'
  // FeedSummary::listed summed, minus deleted.
  // Every stored feed (configuration, user, digest and notice keys), in key order (bytewise,
  // as std::string compares).
  virtual void each_feed_summary(const std::function<void(const FeedSummary&)>& each) = 0;
  // Every user with deletions of listed entries, in name order (bytewise); feeds in any order.
  virtual void each_user_deletions(const std::function<void(const UserDeletions&)>& each) = 0;

  // --- user-added feeds (any role; short transactions) ---
  // False when the owner already has a feed with that key (nothing changed).
  virtual bool add_user_feed(const UserFeed& feed) = 0;
  // False when there is no such feed.
  virtual bool remove_user_feed(std::string_view owner, std::string_view key) = 0;
  virtual bool set_user_feed_paused(std::string_view owner, std::string_view key, bool paused) = 0;
  // Every user's feeds (owner empty) or one owner's, ordered by owner, then key.
  virtual std::vector<UserFeed> user_feeds(std::string_view owner) = 0;
  virtual std::size_t count_user_feeds(std::string_view owner) = 0;

  // --- poll leases (several nodes sharing one database) ---
  // A feed is polled by one node at a time: a node polls only while it holds the feed's
  // lease. acquire takes a free or expired lease, or extends the node's own, for `ttl`;
  // false while another node holds it. renew extends only a lease the node still holds.
  // release frees it at once. A single-node store (SQLite) grants every lease, and says so
  // with shared_by_nodes() == false so the fetcher skips the re-read under the lease.
  virtual bool shared_by_nodes() const { return false; }
  virtual bool acquire_feed_lease(std::string_view /*feed_key*/, std::string_view /*node*/,
                                  std::chrono::milliseconds /*ttl*/) {
    return true;
  }
  virtual bool renew_feed_lease(std::string_view /*feed_key*/, std::string_view /*node*/,
                                std::chrono::milliseconds /*ttl*/) {
    return true;
  }
  virtual void release_feed_lease(std::string_view /*feed_key*/, std::string_view /*node*/) {}
};

enum class Role { writer, reader };

// The gateway keeps the database at data_dir / database_file_name.
inline constexpr const char* database_file_name = "feedpop.db";

struct StoreOptions {
  // How long a connection waits for another one's write lock before StoreError
  // (SQLITE_BUSY). Writes are short transactions, so this is only reached when stuck.
  std::chrono::milliseconds busy_timeout{30000};
  // The clock stamping entries' first-seen time at insert (tests inject one).
  std::function<Time()> clock;
  // Page size of a newly created file (an existing file keeps its own); 0 = the store's
  // default, chosen for the size target in bench/RESULTS.md. Exposed for the benchmark.
  int page_size = 0;
  // PostgreSQL: the most connections this process opens to the database, shared by all
  // its Stores on the same URL (storage.postgresql.pool_size; pg_pool.hpp). A call that
  // finds them all busy waits up to busy_timeout. SQLite ignores it.
  std::size_t pool_size = 4;
  // Each feed's delivered entries as last read, shared by the reader Stores of one database
  // in this process (storage/mailbox_cache.hpp); null: the Store keeps its own.
  std::shared_ptr<MailboxCache> mailbox_cache;
};

// Opens the SQLite store at `path`, creating the file and migrating the schema when
// needed (either role may; migrations are serialised by SQLite's write lock). Throws
// StoreError when the file cannot be opened, is corrupt or has a newer schema.
// Role::writer is the fetcher's connection; Role::reader serves one POP3 session or CLI
// command (it still writes deletions and user purges: short IMMEDIATE transactions).
std::unique_ptr<Store> open_sqlite_store(const std::string& path, Role role,
                                         StoreOptions options = {});

// Opens the PostgreSQL store at libpq connection string `url`, creating and migrating its
// tables when needed (migrations are serialised by an advisory lock, so nodes may start
// together). Throws StoreError when the server is unreachable or the schema is newer.
// Several processes may open it at once; each feed's polling is leased (see above). Stores
// of one process on the same URL share its pool of connections (StoreOptions::pool_size):
// a Store holds a connection only during a call, so any number may be open.
std::unique_ptr<Store> open_postgresql_store(const std::string& url, Role role,
                                             StoreOptions options = {});

} // namespace feedpop::storage
