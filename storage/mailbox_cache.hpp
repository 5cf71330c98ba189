#pragma once
// A node's memory of each feed's delivered entries (id, size, UIDL), shared by the reader
// Stores of one database (StoreOptions::mailbox_cache), so that a login lists a mailbox of
// 10,000 messages without reading 10,000 index rows (bench/RESULTS.md, issue 21).
//
// What keeps it right: the database records which feeds' delivered lists changed. Triggers
// on `entries` (an entry delivered, or purged) stamp the feed's row in `feed_changes` with a
// change mark: SQLite a sequence number (one writer at a time, so marks grow in commit order),
// PostgreSQL the writing transaction's id (xid8; several nodes commit concurrently). A
// snapshot runs in one read transaction: it asks which feeds changed since the cache's
// watermark, drops those lists, loads the feeds it needs that are not cached, and moves the
// watermark to what that transaction saw. Every writer, in any process or on any node, is
// covered, because the marks are written by the database itself.
//
// PostgreSQL's watermark is a token naming the reading transaction's snapshot (pg_mailbox.cpp
// keeps the snapshot; the cache only passes the token back, never compares two): the next
// reader finds the feeds whose change mark is not visible in that snapshot
// (pg_visible_in_snapshot), whatever a long transaction does to the snapshots' xmin.
//
// Deletions are the user's own and are read in the same transaction, once per snapshot (one
// range scan of the user's rows), then removed from the listing in memory.
//
// Threading: thread-safe. The refresh (change query, loads) runs under one mutex so the
// cached lists always match one database state no older than the watermark; the per-user
// merge runs outside it on lists that are immutable once published.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/store.hpp"

namespace feedpop::storage {

// One feed's delivered entries in id (arrival) order; immutable once cached.
struct FeedEntries {
  std::vector<EntryId> ids;
  std::vector<std::uint64_t> sizes;
  std::vector<std::uint32_t> uidl_ends; // UIDL i is uidls[uidl_ends[i-1] .. uidl_ends[i])
  std::string uidls;

  void add(EntryId id, std::uint64_t size, std::string_view uidl);
  std::string_view uidl(std::size_t i) const;
  std::size_t bytes() const;
};

// What a backend does inside the snapshot's read transaction (sqlite_mailbox.cpp,
// pg_mailbox.cpp).
class SnapshotReader {
public:
  virtual ~SnapshotReader() = default;
  // The current change watermark, and in `changed` the feeds whose lists changed after
  // `since` (nullopt: the cache is new, only the watermark is wanted).
  virtual std::int64_t changes(std::optional<std::int64_t> since,
                               std::vector<std::int64_t>& changed) = 0;
  // The feed id of each key (nullopt: no such feed stored yet).
  virtual std::vector<std::optional<std::int64_t>>
  feed_ids(const std::vector<std::string_view>& keys) = 0;
  // Each feed's delivered entries, in id order.
  virtual void load(const std::vector<std::int64_t>& feeds,
                    std::vector<std::shared_ptr<FeedEntries>>& out) = 0;
  // The user's deleted entry ids, ascending.
  virtual std::vector<EntryId> deletions(std::string_view user) = 0;
};

class MailboxCache {
public:
  // Lists beyond `max_bytes` in all are dropped (the next logins load them again).
  explicit MailboxCache(std::size_t max_bytes = default_max_bytes) : max_bytes_(max_bytes) {}

  static constexpr std::size_t default_max_bytes = 64 * 1024 * 1024;

  // Store::snapshot() through the cache: the user's mailbox over `feed_keys`, in arrival
  // order, without the user's deletions, each entry once, as of the reader's transaction.
  std::vector<MailboxItem> snapshot(SnapshotReader& reader, std::string_view user,
                                    const std::vector<std::string>& feed_keys);
  // The same listing as Store::listing(): views into the remembered lists.
  MailboxListing listing(SnapshotReader& reader, std::string_view user,
                         const std::vector<std::string>& feed_keys);

  // Bytes held by the cached lists (tests, metrics).
  std::size_t bytes() const;

private:
  struct Feed {
    std::int64_t id;
    std::shared_ptr<const FeedEntries> entries;
  };
  // An entry of the listing: its feed (index into feed_keys) and place in that feed's list.
  struct Ref {
    EntryId id;
    std::uint32_t feed;
    std::uint32_t at;
  };
  struct Selection {
    std::vector<std::optional<Feed>> feeds; // per feed key
    std::vector<Ref> refs;                  // arrival order, deletions left out
  };
  std::vector<std::optional<Feed>> refresh(SnapshotReader& reader,
                                           const std::vector<std::string>& feed_keys);
  Selection select(SnapshotReader& reader, std::string_view user,
                   const std::vector<std::string>& feed_keys);

  // Drops the least recently used lists until a quarter of the budget is free; the current
  // login's lists (used at tick_) go last, and its Feeds keep their own references.
  void evict();

  struct Cached {
    std::shared_ptr<const FeedEntries> entries;
    std::uint64_t used = 0; // tick_ of the last login that listed it
  };
  mutable std::mutex mutex_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::uint64_t tick_ = 0;
  std::optional<std::int64_t> watermark_;
  // A feed's key never changes and its row is never deleted, so a key once resolved stays.
  std::unordered_map<std::string, std::int64_t> ids_;
  std::unordered_set<std::int64_t> known_; // the values of ids_
  // Keys without a feed row (a digest or notice key never built yet): not looked up again
  // until a change names a feed id not in known_ (a feed's first delivered entry).
  std::unordered_set<std::string> misses_;
  std::unordered_map<std::int64_t, Cached> lists_;
};

} // namespace feedpop::storage
