#pragma once
// The PostgreSQL implementation of Store (see store.hpp for the contract), for several
// feedpop nodes sharing one database. Private to storage/; callers get it through
// open_postgresql_store(). Schema: pg_migrations.cpp.
//
// Connections: each call borrows one from the process's pool for the URL (pg_pool.hpp), for
// one statement or one transaction, so a Store object costs no connection between calls.
//
// Arrival order across nodes: entry ids come from a sequence, and insert_entries holds a
// transaction-scoped advisory lock, so ids are assigned in commit order and a snapshot
// never sees a later id before an earlier one commits (new mail always comes last).

#include <cstdint>
#include <memory>
#include <string>

#include "storage/pg_conn.hpp"
#include "storage/pg_pool.hpp"
#include "storage/store.hpp"

namespace feedpop::storage {

int pg_latest_schema_version();
void pg_migrate(pg::Connection& db);

// What the MailboxCaches' reads (pg_mailbox.cpp) returned in this process so far: feeds the
// change query reported changed, and feeds and entry rows loaded. For tests and benches:
// how much a login reads.
struct PgMailboxReads {
  std::uint64_t changed_feeds = 0;
  std::uint64_t loaded_feeds = 0;
  std::uint64_t loaded_rows = 0;
};
PgMailboxReads pg_mailbox_reads();

class PgStore final : public Store {
public:
  PgStore(const std::string& url, Role role, StoreOptions options);

  std::optional<FeedState> feed_state(std::string_view feed_key) override;
  std::vector<FeedState> feed_states() override;
  void save_feed_state(const FeedState& state) override;
  std::vector<std::pair<std::string, std::string>>
  known_entries(std::string_view feed_key) override;
  std::vector<EntryRevision> entry_revisions(std::string_view feed_key,
                                             const std::vector<std::string>& identities) override;
  std::vector<bool> insert_entries(std::string_view feed_key, const std::vector<NewEntry>& entries,
                                   const FeedState& state) override;
  std::vector<DigestSource> pending_digest_items(std::string_view digest_key,
                                                 const std::vector<std::string>& feed_keys,
                                                 Time until) override;
  bool store_digest(std::string_view digest_key, std::string_view period,
                    const std::vector<NewEntry>& messages,
                    const std::vector<EntryId>& covered) override;

  std::vector<MailboxItem> snapshot(std::string_view user,
                                    const std::vector<std::string>& feed_keys) override;
  std::vector<MailboxItem> tag_view_snapshot(std::string_view user,
                                             const std::vector<std::string>& feed_keys,
                                             const std::vector<std::string>& tagged_feed_keys,
                                             std::string_view tag) override; // pg_tags.cpp
  MailboxListing listing(std::string_view user,
                         const std::vector<std::string>& feed_keys) override; // *_mailbox.cpp
  std::size_t read_at(EntryId entry, std::uint64_t offset, char* dest, std::size_t max) override;
  void commit_deletions(std::string_view user, const std::vector<EntryId>& ids) override;

  std::size_t purge_retention(std::string_view feed_key,
                              std::optional<std::chrono::seconds> max_age,
                              std::optional<std::size_t> max_entries, Time now,
                              const std::vector<EntryId>& pinned) override;
  void purge_user(std::string_view user) override;
  std::vector<FeedCounts> feed_counts() override;
  UserCounts user_counts(std::string_view user, const std::vector<std::string>& feed_keys) override;
  void each_feed_summary(const std::function<void(const FeedSummary&)>& each) override;
  void each_user_deletions(const std::function<void(const UserDeletions&)>& each) override;

  bool add_user_feed(const UserFeed& feed) override;
  bool remove_user_feed(std::string_view owner, std::string_view key) override;
  bool set_user_feed_paused(std::string_view owner, std::string_view key, bool paused) override;
  std::vector<UserFeed> user_feeds(std::string_view owner) override;
  std::size_t count_user_feeds(std::string_view owner) override;

  bool shared_by_nodes() const override { return true; }
  bool acquire_feed_lease(std::string_view feed_key, std::string_view node,
                          std::chrono::milliseconds ttl) override;
  bool renew_feed_lease(std::string_view feed_key, std::string_view node,
                        std::chrono::milliseconds ttl) override;
  void release_feed_lease(std::string_view feed_key, std::string_view node) override;

private:
  void upsert_feed(std::string_view key, const FeedState& state);
  // Runs the SELECT `sql` through a cursor, calling `each` for every row in order while
  // holding only a batch of rows at a time (pg_stats.cpp).
  void each_row(const std::string& sql, const std::function<void(const pg::Result&, int)>& each);
  Time now() const;
  // Revisions (pg_revisions.cpp), inside insert_entries' transaction.
  void revise(std::string_view feed_key, const NewEntry& entry);
  void save_revision(std::int64_t entry, const std::optional<std::string>& revision,
                     const std::optional<Time>& revised_at);

  StoreOptions options_;
  pg::Session db_; // connections borrowed from the process's pool for the URL (pg_pool.hpp)
};

} // namespace feedpop::storage
