#include "ingest/poll_schedule.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "ingest/ingest_poll.hpp"

namespace feedpop::ingest {

using storage::FeedState;
using storage::Time;

Schedule::Schedule(storage::Store& store, const Options& cfg, std::vector<FeedState> stored)
    : store_(store), cfg_(cfg) {
  std::unordered_map<std::string, FeedState*> by_key;
  by_key.reserve(stored.size());
  for (auto& s : stored) {
    by_key.emplace(s.key, &s);
  }
  for (const auto& [key, feed] : cfg.feeds) {
    auto it = by_key.find(key);
    auto state = sync_feed_state(feed, it == by_key.end() ? std::nullopt
                                                          : std::optional(std::move(*it->second)));
    if (!state.disabled) {
      due_.set(key, state.next_poll);
    }
  }
}

std::optional<Job> Schedule::next(Time now) {
  while (auto key = retry_.pop_due(now)) {
    if (auto job = take(*key, now)) {
      return job;
    }
  }
  while (auto key = due_.pop_due(now)) {
    if (auto job = take(*key, now)) {
      return job;
    }
  }
  return std::nullopt;
}

std::chrono::milliseconds Schedule::wait() const {
  std::optional<Time> at = due_.next_due();
  if (auto r = retry_.next_due(); r && (!at || *r < *at)) {
    at = r;
  }
  if (!at) {
    return std::chrono::milliseconds(1000);
  }
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(*at - std::chrono::system_clock::now());
  return std::clamp(left, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

void Schedule::done(const FeedPollResult& r, Time now) {
  if (r.status != "gone") {
    due_.set(r.key, r.next_poll.value_or(now + cfg_.fetch.interval));
  }
}

void Schedule::dropped(const std::string& key, Time now) {
  retry_.set(key, now + check());
}

std::chrono::seconds Schedule::check() const {
  return std::max(std::chrono::seconds(1),
                  std::chrono::duration_cast<std::chrono::seconds>(cfg_.fetch.lease / 3));
}

std::optional<Job> Schedule::take(const std::string& key, Time now) {
  const FeedOptions& feed = cfg_.feeds.at(key);
  const bool shared = store_.shared_by_nodes();
  if (shared && !store_.acquire_feed_lease(key, cfg_.fetch.node, cfg_.fetch.lease)) {
    retry_.set(key, now + check());
    return std::nullopt;
  }
  auto state = sync_feed_state(feed, store_.feed_state(key));
  if (state.disabled || (state.next_poll && *state.next_poll > now)) {
    if (shared) {
      store_.release_feed_lease(key, cfg_.fetch.node);
    }
    if (!state.disabled) {
      due_.set(key, state.next_poll);
    }
    return std::nullopt;
  }
  return Job{key, std::move(state), {}};
}

std::optional<Job> OnceList::next(Time /*now*/) {
  while (next_ < jobs_.size()) {
    Job& job = jobs_[next_++];
    if (store_.acquire_feed_lease(job.key, cfg_.fetch.node, cfg_.fetch.lease)) {
      return std::move(job);
    } // else another node is polling it right now
  }
  return std::nullopt;
}

Time on_phase(Time earliest, std::chrono::seconds period, std::uint64_t seed) {
  const auto p = std::max<std::int64_t>(period.count(), 1);
  const std::int64_t at = earliest.time_since_epoch().count();
  const std::int64_t phase = static_cast<std::int64_t>(seed % static_cast<std::uint64_t>(p));
  const std::int64_t offset = ((phase - at) % p + p) % p;
  return earliest + std::chrono::seconds(offset);
}

std::size_t window_of(const storage::Store& store, const Options& cfg) {
  if (!store.shared_by_nodes()) {
    return std::numeric_limits<std::size_t>::max();
  }
  return std::max<std::size_t>(2 * cfg.fetch.concurrency, 4);
}

} // namespace feedpop::ingest
