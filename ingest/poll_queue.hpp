#pragma once
// The fetcher's schedule in memory: every enabled feed's next poll time, earliest first.
// Read from the store once when the fetcher (re)starts, then kept up to date from each
// poll's result, so finding the feeds due now costs O(log n) per feed, not a read of every
// feed's state (100,000 feeds: bench/RESULTS.md, "100,000 feeds").
//
// Threading: the fetcher thread's only.

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "storage/store.hpp"

namespace feedpop::ingest {

class PollQueue {
public:
  // Sets (or moves) the feed's due time; nullopt: due at once (never polled).
  void set(const std::string& key, std::optional<storage::Time> due);
  void erase(const std::string& key);
  // The feed due earliest if it is due at `now`; it leaves the queue.
  std::optional<std::string> pop_due(storage::Time now);
  // When the earliest feed is due; nullopt when the queue is empty.
  std::optional<storage::Time> next_due() const;
  std::size_t size() const { return by_key_.size(); }

private:
  std::set<std::pair<storage::Time, std::string>> by_time_;
  std::unordered_map<std::string, storage::Time> by_key_;
};

} // namespace feedpop::ingest
