#include "gateway/store_adapter.hpp"

#include <algorithm>
#include <list>

#include <spdlog/spdlog.h>

#include "auth/scram.hpp"
#include "gateway/digests.hpp"
#include "gateway/mailbox_views.hpp"
#include "gateway/tag_views.hpp"
#include "gateway/user_feeds.hpp"

namespace feedpop::gateway {

// Idle reader Stores, shared by the authenticator and every open Maildrop (a Maildrop
// can outlive a reload and even the authenticator).
class ReaderPool {
public:
  ReaderPool(StoreAuthenticator::OpenReader open, std::size_t max_idle)
      : open_(std::move(open)), max_idle_(max_idle) {}

  std::unique_ptr<storage::Store> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto store = std::move(idle_.back());
        idle_.pop_back();
        return store;
      }
    }
    return open_();
  }

  void release(std::unique_ptr<storage::Store> store) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(std::move(store));
    }
  }

private:
  StoreAuthenticator::OpenReader open_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<storage::Store>> idle_;
};

// The entry ids of every open session's snapshot, for retention to spare (README: "a
// message in an open session stays retrievable until it ends"). A session registers a
// pointer to its id list, which never changes while the session lives: one list insertion
// per login, whatever the mailbox size. Thread-safe; shared like the pool, since a
// Maildrop may outlive the authenticator.
class SnapshotRegistry {
public:
  using Ids = std::vector<storage::EntryId>;
  using Handle = std::list<const Ids*>::iterator;

  Handle add(const Ids* ids) {
    std::lock_guard lock(mutex_);
    open_.push_front(ids);
    return open_.begin();
  }

  void remove(Handle handle) {
    std::lock_guard lock(mutex_);
    open_.erase(handle);
  }

  Ids entries() const {
    Ids out;
    {
      std::lock_guard lock(mutex_);
      for (const Ids* ids : open_) {
        out.insert(out.end(), ids->begin(), ids->end());
      }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

private:
  mutable std::mutex mutex_;
  std::list<const Ids*> open_;
};

namespace {

// Messages up to this size are read whole (one Store read) and shared through the
// MessageCache; bench/RESULTS.md's download mix averages 10 KB per message.
constexpr std::uint64_t cached_message_max = 128 * 1024;

// Borrows a reader Store from the pool for one storage call; a Store that failed is not
// returned (it may be broken), a healthy one goes back to the pool.
class Lease {
public:
  explicit Lease(ReaderPool& pool) : pool_(pool), store_(pool.acquire()) {}
  ~Lease() {
    if (store_ && healthy_) {
      pool_.release(std::move(store_));
    }
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  storage::Store& operator*() { return *store_; }
  storage::Store* operator->() { return store_.get(); }
  void broken() { healthy_ = false; }

private:
  ReaderPool& pool_;
  std::unique_ptr<storage::Store> store_;
  bool healthy_ = true;
};

// A session's snapshot. It holds no database connection between commands: each read or
// commit borrows a reader from the pool, so an idle logged-in session costs only its
// UIDL list (SQLite's page cache per connection would cost megabytes per session).
class StoreMaildrop final : public pop3::Maildrop {
public:
  StoreMaildrop(std::shared_ptr<ReaderPool> pool, std::shared_ptr<MessageCache> cache,
                std::shared_ptr<SnapshotRegistry> registry, std::string user,
                storage::MailboxListing listing)
      : pool_(std::move(pool)), cache_(std::move(cache)), registry_(std::move(registry)),
        user_(std::move(user)), ids_(std::move(listing.ids)), owners_(std::move(listing.owners)) {
    messages_.reserve(ids_.size());
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      messages_.push_back({listing.uidls[i], listing.sizes[i]});
    }
    if (registry_ && !ids_.empty()) {
      registration_ = registry_->add(&ids_);
    }
  }

  ~StoreMaildrop() override {
    if (registration_) {
      registry_->remove(*registration_);
    }
  }
  StoreMaildrop(const StoreMaildrop&) = delete;
  StoreMaildrop& operator=(const StoreMaildrop&) = delete;

  const std::vector<pop3::MessageInfo>& messages() const override { return messages_; }

  // RETR/TOP pull a message one buffer at a time; the Store serves each read at its offset
  // (storage seeks to the chunk row holding it). A message of at most cached_message_max
  // bytes, which most feed entries are, is instead read in one call and shared through the
  // MessageCache: a feed's subscribers download the same messages, and a hit costs no
  // database read. Larger messages always stream from the Store.
  std::size_t read_at(std::size_t index, std::uint64_t offset, char* dest,
                      std::size_t max) override {
    check(index);
    if (const auto bytes = shared_bytes(index)) {
      if (offset >= bytes->size()) {
        current_.reset();
        return 0;
      }
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(max, bytes->size() - offset));
      std::copy_n(bytes->data() + offset, n, dest);
      if (offset + n == bytes->size()) {
        current_.reset(); // the last byte went out: the cache alone keeps it now
      }
      return n;
    }
    std::size_t n = 0;
    guarded("read",
            [&](storage::Store& store) { n = store.read_at(ids_[index], offset, dest, max); });
    return n;
  }

  void commit(const std::vector<std::size_t>& deleted_indexes) override {
    std::vector<storage::EntryId> ids;
    ids.reserve(deleted_indexes.size());
    for (const auto index : deleted_indexes) {
      check(index);
      ids.push_back(ids_[index]);
    }
    if (ids.empty()) {
      return;
    }
    // A view commits into the user's own deletion state: same entries, same user.
    guarded("commit", [&](storage::Store& store) { store.commit_deletions(user_, ids); });
  }

private:
  // The cached bytes of message `index` when it is small enough to share (read whole and
  // offered to the cache on a miss), else nullptr.
  MessageCache::Bytes shared_bytes(std::size_t index) {
    if (current_ && current_index_ == index) {
      return current_;
    }
    current_.reset();
    const std::uint64_t size = messages_[index].size;
    if (!cache_ || size > cached_message_max) {
      return nullptr;
    }
    current_ = cache_->find(ids_[index]);
    if (!current_) {
      auto bytes = std::make_shared<std::string>(static_cast<std::size_t>(size), '\0');
      std::size_t n = 0;
      guarded("read", [&](storage::Store& store) {
        n = store.read_at(ids_[index], 0, bytes->data(), bytes->size());
      });
      bytes->resize(n); // shorter only if the store disagrees with the listed size
      current_ = std::move(bytes);
      cache_->insert(ids_[index], current_);
    }
    current_index_ = index;
    return current_;
  }

  void check(std::size_t index) const {
    if (index >= ids_.size()) {
      throw pop3::MaildropError("no message at index " + std::to_string(index));
    }
  }

  template <class Fn> void guarded(const char* what, Fn&& fn) {
    try {
      Lease lease(*pool_);
      try {
        fn(*lease);
      } catch (const storage::StoreError&) {
        lease.broken();
        throw;
      }
    } catch (const storage::StoreError& e) {
      spdlog::error("mailbox {} of {}: storage error {}: {}", what, user_, e.code(), e.what());
      throw pop3::MaildropError(e.what());
    }
  }

  std::shared_ptr<ReaderPool> pool_;
  std::shared_ptr<MessageCache> cache_; // may be null: no caching
  std::shared_ptr<SnapshotRegistry> registry_;
  std::optional<SnapshotRegistry::Handle> registration_;
  std::string user_;
  std::vector<storage::EntryId> ids_;
  std::vector<std::shared_ptr<const void>> owners_; // the bytes behind messages_' UIDLs
  std::vector<pop3::MessageInfo> messages_;
  MessageCache::Bytes current_; // the shared bytes of the message being sent, if any
  std::size_t current_index_ = 0;
};

// A listing of snapshot() items, which then own the UIDL bytes.
storage::MailboxListing listing_of(std::vector<storage::MailboxItem> items) {
  auto owner = std::make_shared<const std::vector<storage::MailboxItem>>(std::move(items));
  storage::MailboxListing out;
  for (const auto& item : *owner) {
    out.ids.push_back(item.id);
    out.sizes.push_back(item.size);
    out.uidls.push_back(item.uidl);
  }
  out.owners.push_back(std::move(owner));
  return out;
}

} // namespace

StoreAuthenticator::StoreAuthenticator(OpenReader open_reader, std::shared_ptr<const Config> config,
                                       std::size_t max_idle_readers, std::size_t cache_bytes)
    : config_(std::move(config)),
      pool_(std::make_shared<ReaderPool>(std::move(open_reader), max_idle_readers)),
      cache_(cache_bytes > 0 ? std::make_shared<MessageCache>(cache_bytes) : nullptr),
      registry_(std::make_shared<SnapshotRegistry>()) {}

std::vector<storage::EntryId> StoreAuthenticator::pinned_entries() const {
  return registry_->entries();
}

StoreAuthenticator::~StoreAuthenticator() = default;

void StoreAuthenticator::apply(std::shared_ptr<const Config> config) {
  std::lock_guard lock(mutex_);
  config_ = std::move(config);
}

std::shared_ptr<const Config> StoreAuthenticator::config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

std::shared_ptr<const MailboxView>
StoreAuthenticator::resolved_mailbox(const std::shared_ptr<const Config>& cfg,
                                     std::string_view login) const {
  std::lock_guard lock(mutex_);
  if (cfg != config_) { // replaced by a reload meanwhile: not worth remembering
    auto resolved = resolve_mailbox(*cfg, login);
    return resolved ? std::make_shared<const MailboxView>(std::move(*resolved)) : nullptr;
  }
  if (views_config_ != config_) {
    views_.clear();
    views_config_ = config_;
  }
  if (const auto it = views_.find(login); it != views_.end()) {
    return it->second;
  }
  auto resolved = resolve_mailbox(*cfg, login);
  if (!resolved) {
    return nullptr;
  }
  if (views_.size() >= max_remembered_views) {
    views_.clear();
  }
  auto view = std::make_shared<const MailboxView>(std::move(*resolved));
  views_.emplace(std::string(login), view);
  return view;
}

std::optional<pop3::Credentials> StoreAuthenticator::lookup(std::string_view login) {
  const auto cfg = config();
  // A user's own name needs no view resolution (resolve_mailbox tries it first as well).
  std::string name(login);
  if (cfg->users.count(name) == 0) {
    const auto view = resolved_mailbox(cfg, login);
    if (!view) {
      return std::nullopt;
    }
    name = view->user;
  }
  const UserConfig& user = cfg->users.at(name);
  pop3::Credentials creds;
  creds.plaintext = user.password;
  if (user.scram) {
    auto parsed = auth::parse_scram_verifier(*user.scram);
    creds.scram = std::move(parsed.verifier);
    if (!creds.scram) {
      spdlog::warn("user {}: scram verifier refused ({}); SCRAM login disabled", name,
                   parsed.error);
    }
  }
  if (!creds.plaintext && !creds.scram) {
    return std::nullopt; // nothing to check a password against: nobody logs in as this user
  }
  return creds;
}

std::unique_ptr<pop3::Maildrop> StoreAuthenticator::open(std::string_view login) {
  const auto cfg = config();
  const auto view = resolved_mailbox(cfg, login);
  if (!view) {
    // The user vanished in a reload between PASS and open: nothing to show.
    throw pop3::MaildropError("no such mailbox: " + std::string(login));
  }
  auto mailbox = std::make_optional<MailboxView>(*view); // extended with the user's own feeds
  try {
    storage::MailboxListing listing;
    {
      Lease lease(*pool_);
      try {
        if (mailbox->view.empty()) {
          // The full mailbox also shows the user's own feeds and feedpop's replies.
          mailbox->feed_keys = mailbox_keys(*cfg, mailbox->user, lease->user_feeds(mailbox->user));
        }
        if (is_rule_tag_view(*mailbox)) {
          listing = listing_of(tag_view_items(*lease, *cfg, *mailbox));
        } else {
          listing = lease->listing(mailbox->user, mailbox->feed_keys);
        }
      } catch (const storage::StoreError&) {
        lease.broken();
        throw;
      }
    }
    return std::make_unique<StoreMaildrop>(pool_, cache_, registry_, std::move(mailbox->user),
                                           std::move(listing));
  } catch (const storage::StoreError& e) {
    spdlog::error("mailbox of {}: storage error {}: {}", mailbox->user, e.code(), e.what());
    throw pop3::MaildropError(e.what());
  }
}

bool StoreAuthenticator::has_plaintext_secrets() const {
  const auto cfg = config();
  return std::any_of(cfg->users.begin(), cfg->users.end(),
                     [](const auto& u) { return u.second.password.has_value(); });
}

std::optional<unsigned> StoreAuthenticator::expire_days() const {
  const auto cfg = config();
  std::optional<unsigned> days;
  for (const auto& [key, feed] : cfg->feeds) {
    if (feed.retention) {
      // RFC 2449 §6.7: EXPIRE 0 would mean "mail may not be left on the server"; a
      // retention under a day still lets it stay, so announce at least 1.
      const auto d = static_cast<unsigned>(std::max<long long>(1, feed.retention->count() / 86400));
      days = days ? std::min(*days, d) : d;
    }
  }
  return days;
}

} // namespace feedpop::gateway
