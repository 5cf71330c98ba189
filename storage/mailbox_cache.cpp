#include "storage/mailbox_cache.hpp"

#include <algorithm>
#include <unordered_set>

namespace feedpop::storage {

namespace {
// Bound of the remembered missing keys (they come from configs and user feeds).
constexpr std::size_t max_misses = 100000;
} // namespace

void FeedEntries::add(EntryId id, std::uint64_t size, std::string_view uidl) {
  ids.push_back(id);
  sizes.push_back(size);
  uidls.append(uidl);
  uidl_ends.push_back(static_cast<std::uint32_t>(uidls.size()));
}

std::string_view FeedEntries::uidl(std::size_t i) const {
  const std::uint32_t begin = i == 0 ? 0 : uidl_ends[i - 1];
  return std::string_view(uidls).substr(begin, uidl_ends[i] - begin);
}

std::size_t FeedEntries::bytes() const {
  return sizeof(FeedEntries) + ids.capacity() * sizeof(EntryId) +
         sizes.capacity() * sizeof(std::uint64_t) + uidl_ends.capacity() * sizeof(std::uint32_t) +
         uidls.capacity();
}

std::size_t MailboxCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

MailboxCache::Counters MailboxCache::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::vector<std::optional<MailboxCache::Feed>>
MailboxCache::refresh(SnapshotReader& reader, const std::vector<std::string>& feed_keys) {
  std::unique_lock lock(mutex_);
  ++tick_;
  invalidate(reader);
  std::vector<std::optional<Feed>> feeds = resolve(reader, feed_keys);
  Plan todo = plan(feeds);
  if (todo.own.empty() && todo.joined.empty()) {
    return feeds;
  }
  const auto got = load(reader, todo, lock);
  for (auto& feed : feeds) {
    if (feed && !feed->entries) {
      feed->entries = got.at(feed->id);
    }
  }
  return feeds;
}

// The first statement of the login's transaction: its snapshot is taken here, under the
// mutex, after every earlier refresh's.
void MailboxCache::invalidate(SnapshotReader& reader) {
  std::vector<std::int64_t> changed;
  const std::int64_t mark = reader.changes(watermark_, changed);
  for (const std::int64_t id : changed) {
    if (const auto it = lists_.find(id); it != lists_.end()) {
      bytes_ -= it->second.entries->bytes();
      lists_.erase(it);
    }
    if (const auto it = loading_.find(id); it != loading_.end()) {
      it->second->stale = true; // read before this change: right for its login, not kept
      loading_.erase(it);
    }
    if (!known_.contains(id)) {
      misses_.clear(); // a feed got its first entry: it may be one of the missing keys
    }
  }
  watermark_ = mark;
}

std::vector<std::optional<MailboxCache::Feed>>
MailboxCache::resolve(SnapshotReader& reader, const std::vector<std::string>& feed_keys) {
  std::vector<std::optional<Feed>> feeds(feed_keys.size());
  std::vector<std::string_view> unknown;
  std::vector<std::size_t> unknown_at;
  for (std::size_t i = 0; i < feed_keys.size(); ++i) {
    if (const auto it = ids_.find(feed_keys[i]); it != ids_.end()) {
      feeds[i] = Feed{it->second, nullptr};
    } else if (!misses_.contains(feed_keys[i])) {
      unknown.push_back(feed_keys[i]);
      unknown_at.push_back(i);
    }
  }
  if (unknown.empty()) {
    return feeds;
  }
  const auto found = reader.feed_ids(unknown);
  if (misses_.size() > max_misses) {
    misses_.clear();
  }
  for (std::size_t j = 0; j < unknown.size(); ++j) {
    if (found[j]) {
      ids_.emplace(std::string(unknown[j]), *found[j]);
      known_.insert(*found[j]);
      feeds[unknown_at[j]] = Feed{*found[j], nullptr};
    } else {
      misses_.emplace(unknown[j]);
    }
  }
  return feeds;
}

// Cached lists are taken now (they match this snapshot); a feed being loaded by another
// login is joined (not marked stale by this refresh, so unchanged since that snapshot);
// the rest this login reads itself.
MailboxCache::Plan MailboxCache::plan(std::vector<std::optional<Feed>>& feeds) {
  Plan out;
  std::unordered_set<std::int64_t> asked;
  for (auto& feed : feeds) {
    if (!feed) {
      continue;
    }
    if (const auto it = lists_.find(feed->id); it != lists_.end()) {
      it->second.used = tick_;
      feed->entries = it->second.entries;
    } else if (!asked.insert(feed->id).second) {
      continue;
    } else if (const auto in_flight = loading_.find(feed->id); in_flight != loading_.end()) {
      out.joined.emplace_back(feed->id, in_flight->second);
      ++counters_.joined;
    } else {
      auto load = std::make_shared<Load>();
      loading_.emplace(feed->id, load);
      out.own.push_back(feed->id);
      out.own_loads.push_back(std::move(load));
    }
  }
  return out;
}

std::unordered_map<std::int64_t, std::shared_ptr<const FeedEntries>>
MailboxCache::load(SnapshotReader& reader, Plan& todo, std::unique_lock<std::mutex>& lock) {
  std::vector<std::shared_ptr<FeedEntries>> loaded;
  if (!todo.own.empty()) {
    lock.unlock();
    try {
      reader.load(todo.own, loaded);
    } catch (...) {
      lock.lock();
      loaded.clear();
      publish(todo, loaded); // done without a list: the joined logins read it themselves
      throw;
    }
    lock.lock();
  }
  publish(todo, loaded);
  std::unordered_map<std::int64_t, std::shared_ptr<const FeedEntries>> got;
  for (std::size_t j = 0; j < todo.own.size(); ++j) {
    got.emplace(todo.own[j], std::move(loaded[j]));
  }
  // Only now, with nothing of its own in flight, does a login wait for others' loads.
  std::vector<std::int64_t> failed;
  for (const auto& entry : todo.joined) {
    const Load& joined = *entry.second;
    loaded_.wait(lock, [&joined] { return joined.done; });
    if (joined.entries) {
      got.emplace(entry.first, joined.entries);
    } else {
      failed.push_back(entry.first);
    }
  }
  if (!failed.empty()) {
    // Read in this snapshot and not kept: whether they changed since is not known here.
    lock.unlock();
    std::vector<std::shared_ptr<FeedEntries>> again;
    reader.load(failed, again);
    lock.lock();
    counters_.loaded += failed.size();
    for (std::size_t j = 0; j < failed.size(); ++j) {
      got.emplace(failed[j], std::move(again[j]));
    }
  }
  return got;
}

// Ends the plan's own loads (`loaded` empty: they failed). A list not marked stale equals
// its feed as of the latest refresh, so it is kept.
void MailboxCache::publish(Plan& todo, const std::vector<std::shared_ptr<FeedEntries>>& loaded) {
  if (todo.own.empty()) {
    return;
  }
  const bool read = loaded.size() == todo.own.size();
  for (std::size_t j = 0; j < todo.own.size(); ++j) {
    Load& load = *todo.own_loads[j];
    load.done = true;
    const auto it = loading_.find(todo.own[j]);
    if (it != loading_.end() && it->second.get() == &load) {
      loading_.erase(it);
    }
    if (!read) {
      continue;
    }
    load.entries = loaded[j];
    ++counters_.loaded;
    if (!load.stale && lists_.emplace(todo.own[j], Cached{loaded[j], tick_}).second) {
      bytes_ += loaded[j]->bytes();
    }
  }
  loaded_.notify_all();
  if (bytes_ > max_bytes_) {
    evict();
  }
}

void MailboxCache::evict() {
  std::vector<std::pair<std::uint64_t, std::int64_t>> order; // (last used, feed id)
  order.reserve(lists_.size());
  for (const auto& [id, cached] : lists_) {
    order.emplace_back(cached.used, id);
  }
  std::sort(order.begin(), order.end());
  const std::size_t target = max_bytes_ / 4 * 3;
  for (const auto& entry : order) {
    if (bytes_ <= target) {
      break;
    }
    const auto it = lists_.find(entry.second);
    bytes_ -= it->second.entries->bytes();
    lists_.erase(it);
  }
}

MailboxCache::Selection MailboxCache::select(SnapshotReader& reader, std::string_view user,
                                             const std::vector<std::string>& feed_keys) {
  Selection out;
  out.feeds = refresh(reader, feed_keys);
  const std::vector<EntryId> deleted = reader.deletions(user);

  // Every entry of every distinct feed (a key listed twice, or two keys of one feed, count
  // once), then arrival order across feeds, without the user's deletions.
  std::unordered_set<std::int64_t> seen;
  std::size_t total = 0;
  for (const auto& feed : out.feeds) {
    total += feed ? feed->entries->ids.size() : 0;
  }
  auto& refs = out.refs;
  refs.reserve(total);
  for (std::size_t f = 0; f < out.feeds.size(); ++f) {
    const auto& feed = out.feeds[f];
    if (!feed || !seen.insert(feed->id).second) {
      continue;
    }
    const auto& ids = feed->entries->ids;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      refs.push_back(Ref{ids[i], static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(i)});
    }
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.id < b.id; });
  if (!deleted.empty()) {
    auto gone = deleted.begin();
    std::erase_if(refs, [&](const Ref& ref) {
      gone = std::lower_bound(gone, deleted.end(), ref.id);
      return gone != deleted.end() && *gone == ref.id;
    });
  }
  return out;
}

std::vector<MailboxItem> MailboxCache::snapshot(SnapshotReader& reader, std::string_view user,
                                                const std::vector<std::string>& feed_keys) {
  const Selection selected = select(reader, user, feed_keys);
  std::vector<MailboxItem> out;
  out.reserve(selected.refs.size());
  for (const Ref& ref : selected.refs) {
    const FeedEntries& entries = *selected.feeds[ref.feed]->entries;
    out.push_back(MailboxItem{ref.id, std::string(entries.uidl(ref.at)), entries.sizes[ref.at],
                              feed_keys[ref.feed]});
  }
  return out;
}

MailboxListing MailboxCache::listing(SnapshotReader& reader, std::string_view user,
                                     const std::vector<std::string>& feed_keys) {
  const Selection selected = select(reader, user, feed_keys);
  MailboxListing out;
  out.ids.reserve(selected.refs.size());
  out.sizes.reserve(selected.refs.size());
  out.uidls.reserve(selected.refs.size());
  for (const Ref& ref : selected.refs) {
    const FeedEntries& entries = *selected.feeds[ref.feed]->entries;
    out.ids.push_back(ref.id);
    out.sizes.push_back(entries.sizes[ref.at]);
    out.uidls.push_back(entries.uidl(ref.at));
  }
  std::unordered_set<const FeedEntries*> owned;
  for (const auto& feed : selected.feeds) {
    if (feed && owned.insert(feed->entries.get()).second) {
      out.owners.push_back(feed->entries);
    }
  }
  return out;
}

} // namespace feedpop::storage
