#include "gateway/message_cache.hpp"

#include "common/metrics.hpp"

namespace feedpop::gateway {

MessageCache::Bytes MessageCache::find(std::int64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(id);
  if (it == index_.end()) {
    ++misses_;
    metrics::handles().message_cache_misses.inc();
    return nullptr;
  }
  ++hits_;
  metrics::handles().message_cache_hits.inc();
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void MessageCache::insert(std::int64_t id, Bytes message) {
  if (!message || message->size() > capacity_ / 4) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (index_.contains(id)) {
    return; // another session read it at the same time: same immutable bytes
  }
  bytes_ += message->size();
  lru_.emplace_front(id, std::move(message));
  index_.emplace(id, lru_.begin());
  while (bytes_ > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().second->size();
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

std::size_t MessageCache::size_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::uint64_t MessageCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

std::uint64_t MessageCache::misses() const {
  std::lock_guard lock(mutex_);
  return misses_;
}

} // namespace feedpop::gateway
