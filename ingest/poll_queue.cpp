#include "ingest/poll_queue.hpp"

namespace feedpop::ingest {

void PollQueue::set(const std::string& key, std::optional<storage::Time> due) {
  const storage::Time at = due.value_or(storage::Time{});
  auto [it, inserted] = by_key_.try_emplace(key, at);
  if (!inserted) {
    by_time_.erase({it->second, key});
    it->second = at;
  }
  by_time_.emplace(at, key);
}

void PollQueue::erase(const std::string& key) {
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    by_time_.erase({it->second, key});
    by_key_.erase(it);
  }
}

std::optional<std::string> PollQueue::pop_due(storage::Time now) {
  if (by_time_.empty() || by_time_.begin()->first > now) {
    return std::nullopt;
  }
  auto node = by_time_.extract(by_time_.begin());
  by_key_.erase(node.value().second);
  return std::move(node.value().second);
}

std::optional<storage::Time> PollQueue::next_due() const {
  if (by_time_.empty()) {
    return std::nullopt;
  }
  return by_time_.begin()->first;
}

} // namespace feedpop::ingest
