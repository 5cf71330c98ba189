#pragma once
// Adapts storage::Store to what pop3/ needs (STYLE.md §1: they meet only in gateway).
//
// StoreAuthenticator answers for the users of the current Config (swapped atomically by
// apply() on a live reload; sessions already logged in keep their snapshot) and opens a
// StoreMaildrop per login: a reader-Store snapshot of the user's subscribed feeds, or of a
// mailbox view's feeds (gateway/mailbox_views.hpp). Reader Stores come from a small pool,
// so a poll session costs no SQLite open; one Store serves one session at a time.
//
// Open snapshots pin their entries: pinned_entries() lists the ids of every open
// Maildrop, which the fetcher's retention must not purge (wired in app.cpp), so a message
// a session listed stays retrievable until the session ends. A login whose snapshot is
// read while a purge commits can still list an entry that purge removed; its RETR then
// fails with -ERR like any storage error.
//
// Threading: StoreAuthenticator is thread-safe; a Maildrop is used by one session.
// Errors: storage::StoreError becomes pop3::MaildropError (the session answers
// -ERR [SYS/TEMP]); a Store that failed is not returned to the pool.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/mailbox_views.hpp"
#include "gateway/message_cache.hpp"
#include "pop3/maildrop.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

class ReaderPool;
class SnapshotRegistry;

class StoreAuthenticator final : public pop3::Authenticator {
public:
  using OpenReader = std::function<std::unique_ptr<storage::Store>()>;

  // cache_bytes: budget of the MessageCache shared by every session (0: none).
  StoreAuthenticator(OpenReader open_reader, std::shared_ptr<const Config> config,
                     std::size_t max_idle_readers = 8,
                     std::size_t cache_bytes = default_message_cache_bytes);

  static constexpr std::size_t default_message_cache_bytes = 32 * 1024 * 1024;
  ~StoreAuthenticator() override;

  // Live reload: users, passwords and subscriptions for sessions that log in from now on.
  void apply(std::shared_ptr<const Config> config);

  std::optional<pop3::Credentials> lookup(std::string_view user) override;
  std::unique_ptr<pop3::Maildrop> open(std::string_view user) override;
  std::optional<unsigned> expire_days() const override;
  bool has_plaintext_secrets() const override;

  // Entry ids in the snapshots of every open Maildrop (sorted, unique), from any thread.
  std::vector<storage::EntryId> pinned_entries() const;

private:
  std::shared_ptr<const Config> config() const;
  // resolve_mailbox(config, login), remembered per login for the current Config: with
  // thousands of subscriptions it costs more than the rest of a login (bench/RESULTS.md).
  std::shared_ptr<const MailboxView> resolved_mailbox(const std::shared_ptr<const Config>& cfg,
                                                      std::string_view login) const;

  // Logins remembered at most; beyond, the memory starts over.
  static constexpr std::size_t max_remembered_views = 4096;

  mutable std::mutex mutex_;
  std::shared_ptr<const Config> config_;
  mutable std::shared_ptr<const Config> views_config_; // the Config views_ were resolved in
  mutable std::map<std::string, std::shared_ptr<const MailboxView>, std::less<>> views_;
  std::shared_ptr<ReaderPool> pool_;
  std::shared_ptr<MessageCache> cache_;
  std::shared_ptr<SnapshotRegistry> registry_;
};

} // namespace feedpop::gateway
