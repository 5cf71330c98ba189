#pragma once
// The SQLite implementation of Store (see store.hpp for the contract). Private to
// storage/; callers get it through open_sqlite_store().
//
// Layout (migrations.cpp): feeds, entries (metadata, UIDL), message_chunks (bytes in
// fixed-size rows, message_chunks.hpp), users, deletions (user, entry). WAL journal,
// synchronous=FULL (a commit acknowledged to a POP3 client survives power loss, not only a
// process crash) except for ingest transactions (NORMAL, see insert_entries), foreign keys
// on, busy timeout from StoreOptions.

#include <memory>
#include <string>

#include "storage/message_chunks.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"

namespace feedpop::storage {

class SqliteStore final : public Store {
public:
  SqliteStore(const std::string& path, Role role, StoreOptions options);
  ~SqliteStore() override;

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
                                             std::string_view tag) override; // sqlite_tags.cpp
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

private:
  // While alive, the connection reads pages through its small page cache instead of its
  // memory map. For scans that read each page once (the stats reads): mapping them, with
  // the kernel's fault-around, adds ~150 MB to the resident memory at 100,000 feeds.
  class UnmappedScan {
  public:
    explicit UnmappedScan(sqlite::Database& db);
    ~UnmappedScan();
    UnmappedScan(const UnmappedScan&) = delete;
    UnmappedScan& operator=(const UnmappedScan&) = delete;

  private:
    sqlite::Database& db_;
  };

  void configure(Role role);
  void upsert_feed(std::string_view key, const FeedState& state);
  std::optional<std::int64_t> feed_id(std::string_view key);
  std::optional<std::int64_t> user_id(std::string_view name);
  Time now() const;
  // Revisions (sqlite_revisions.cpp), inside insert_entries' transaction.
  void revise(std::string_view feed_key, const NewEntry& entry);
  void save_revision(std::int64_t entry, const std::optional<std::string>& revision,
                     const std::optional<Time>& revised_at);

  struct IngestStatements;
  IngestStatements& ingest();

  sqlite::Database db_;
  StoreOptions options_;
  std::unique_ptr<IngestStatements> ingest_; // destroyed before db_
  std::unique_ptr<ChunkReader> reader_;      // prepared at the first read_at()
};

} // namespace feedpop::storage
