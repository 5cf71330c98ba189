#pragma once
// A bounded, shared, least-recently-used cache of rendered message bytes for POP3 reads.
//
// Stored messages never change (DESIGN.md: rendered once, at ingest), and the users of a
// feed all download the same messages, usually soon after the same poll stored them. So
// the bytes read from SQLite for one session are kept, up to a byte budget, for the next:
// a RETR that hits costs no database read at all (a miss costs one read transaction and a
// scan of the message's chunk rows). Entries are shared_ptr<const std::string>: a session
// streaming a message keeps it alive even if the cache evicts it meanwhile, and no session
// copies it. A message that retention deletes may stay cached until evicted; only sessions
// whose snapshot lists it can ask for it, and RFC 1939 lets them.
//
// Threading: every member is thread-safe (one mutex; held only for map updates).

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace feedpop::gateway {

class MessageCache {
public:
  using Bytes = std::shared_ptr<const std::string>;

  // capacity: the byte budget; 0 disables caching. Messages larger than a quarter of the
  // budget are never cached (one large download must not flush everyone's messages).
  explicit MessageCache(std::size_t capacity) : capacity_(capacity) {}

  Bytes find(std::int64_t id);                 // nullptr on a miss; a hit becomes most recent
  void insert(std::int64_t id, Bytes message); // evicts least recent ones to fit

  std::size_t size_bytes() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;

private:
  using Lru = std::list<std::pair<std::int64_t, Bytes>>;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  Lru lru_; // front = most recently used
  std::unordered_map<std::int64_t, Lru::iterator> index_;
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

} // namespace feedpop::gateway
