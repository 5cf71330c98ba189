#include "ingest/fetcher.hpp"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "common/metrics.hpp"
#include "feeds/http_client.hpp"
#include "ingest/ingest_poll.hpp"

namespace feedpop::ingest {

using storage::Time;

namespace {

Time now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

struct Job {
  std::string key;
  storage::FeedState state;
};

} // namespace

std::size_t PollReport::failed() const {
  std::size_t n = 0;
  for (const auto& f : feeds) {
    n += f.ok ? 0 : 1;
  }
  return n;
}

struct Fetcher::Impl {
  std::unique_ptr<storage::Store> store;
  std::mutex mutex; // guards config, config_version, client
  std::shared_ptr<const Options> config;
  std::uint64_t config_version = 0;
  feeds::HttpClient* client = nullptr; // the one in use, for wakeup()
  std::atomic<bool> stopping{false};
  std::thread thread;
  PinnedEntries pinned;

  std::pair<std::shared_ptr<const Options>, std::uint64_t> current() {
    std::lock_guard lock(mutex);
    return {config, config_version};
  }

  void set_client(feeds::HttpClient* c) {
    std::lock_guard lock(mutex);
    client = c;
  }

  void wake() {
    std::lock_guard lock(mutex);
    if (client != nullptr) {
      client->wakeup();
    }
  }

  // Runs one round: the given feeds are requested; every completion is stored.
  // Returns when all are done, or when `interrupted()` says so (then transfers are
  // cancelled and nothing of theirs is stored).
  template <class Interrupted, class OnResult>
  void round(const Options& cfg, feeds::HttpClient& http, std::vector<Job> jobs,
             Interrupted interrupted, OnResult on_result) {
    std::unordered_map<std::uint64_t, Job> in_flight;
    std::unordered_set<std::string> lost; // leases taken over by another node mid-poll
    const auto& lease = cfg.fetch;
    auto renewed = std::chrono::steady_clock::now();
    std::uint64_t tag = 0;
    // Every request of a round is submitted now: the duration metric counts from here,
    // so it includes waiting for a fetch.concurrency / per_host slot.
    const auto submitted = std::chrono::steady_clock::now();
    for (Job& job : jobs) {
      const FeedOptions& feed = cfg.feeds.at(job.key);
      feeds::HttpRequest request = poll_request(cfg, feed, job.state);
      request.tag = ++tag;
      http.submit(std::move(request));
      in_flight.emplace(tag, std::move(job));
    }
    while (!in_flight.empty()) {
      if (interrupted()) {
        http.cancel_all();
        http.perform(std::chrono::milliseconds(0)); // collects (and drops) the cancellations
        return;
      }
      if (std::chrono::steady_clock::now() - renewed > lease.lease / 3) {
        renewed = std::chrono::steady_clock::now();
        for (const auto& [t, job] : in_flight) {
          if (!store->renew_feed_lease(job.key, lease.node, lease.lease)) {
            lost.insert(job.key);
          }
        }
      }
      for (feeds::Completion& c : http.perform(std::chrono::milliseconds(500))) {
        auto it = in_flight.find(c.tag);
        if (it == in_flight.end()) {
          continue;
        }
        Job job = std::move(it->second);
        in_flight.erase(it);
        metrics::handles().fetch_duration.observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - submitted).count());
        if (lost.contains(job.key)) {
          continue; // another node polls this feed now; its result wins
        }
        const FeedOptions& feed = cfg.feeds.at(job.key);
        on_result(complete_poll(*store, cfg, feed, std::move(job.state), std::move(c.result),
                                now_seconds(), pinned, &http));
        store->release_feed_lease(job.key, lease.node);
      }
    }
  }

  std::map<std::string, storage::FeedState> states() {
    std::map<std::string, storage::FeedState> out;
    for (auto& s : store->feed_states()) {
      std::string key = s.key;
      out.emplace(std::move(key), std::move(s));
    }
    return out;
  }

  // The feed's state if this node may poll it now: the lease is ours and, read again
  // under the lease, the feed is still due (another node may just have polled it).
  // `state` (synced with the config) is due: the state to poll with, or nullopt when
  // another node holds the feed or polled it meanwhile. On a store shared by several nodes
  // the lease is taken and the state re-read under it (synced again, so a changed URL is
  // due at once there too); a single-node store has nothing to re-read.
  std::optional<storage::FeedState> lease_due(const FetchOptions& f, const FeedOptions& feed,
                                              storage::FeedState state, Time now) {
    if (!store->shared_by_nodes()) {
      return state;
    }
    if (!store->acquire_feed_lease(feed.key, f.node, f.lease)) {
      return std::nullopt;
    }
    state = sync_feed_state(feed, store->feed_state(feed.key));
    if (state.next_poll && *state.next_poll > now) {
      store->release_feed_lease(feed.key, f.node);
      return std::nullopt;
    }
    return state;
  }

  void run();
  void serve_round(const Options& cfg, std::uint64_t version);
};

void Fetcher::Impl::serve_round(const Options& cfg, std::uint64_t version) {
  feeds::HttpClient http(http_options(cfg));
  set_client(&http);
  struct ClearClient {
    Impl* m;
    ~ClearClient() { m->set_client(nullptr); }
  } clear{this};
  auto changed = [&] { return stopping.load() || current().second != version; };
  while (!changed()) {
    const Time now = now_seconds();
    auto stored = states();
    std::vector<Job> due;
    std::optional<Time> next;
    for (const auto& [key, feed] : cfg.feeds) {
      auto it = stored.find(key);
      auto state = sync_feed_state(feed, it == stored.end() ? std::nullopt
                                                            : std::optional(std::move(it->second)));
      if (state.disabled) {
        continue;
      }
      if (!state.next_poll || *state.next_poll <= now) {
        if (auto leased = lease_due(cfg.fetch, feed, std::move(state), now)) {
          due.push_back({key, std::move(*leased)});
        } else if (!next || now + std::chrono::seconds(1) < *next) {
          next = now + std::chrono::seconds(1); // held elsewhere: look again soon
        }
      } else if (!next || *state.next_poll < *next) {
        next = state.next_poll;
      }
    }
    if (!due.empty()) {
      spdlog::debug("fetcher: polling {} due feeds", due.size());
      round(cfg, http, std::move(due), changed, [](const FeedPollResult& r) {
        if (!r.ok) {
          spdlog::warn("feed {}: {} ({})", r.key, r.status, r.error);
        } else {
          spdlog::debug("feed {}: {}, {} new", r.key, r.status, r.new_entries);
        }
      });
      continue;
    }
    // Sleep until the next feed is due (wakeup() from apply/stop ends it early).
    const auto wait = next ? std::chrono::duration_cast<std::chrono::milliseconds>(*next - now)
                           : std::chrono::milliseconds(60'000);
    const auto until = std::chrono::steady_clock::now() + wait;
    while (!changed() && std::chrono::steady_clock::now() < until) {
      http.perform(std::min(std::chrono::duration_cast<std::chrono::milliseconds>(
                                until - std::chrono::steady_clock::now()),
                            std::chrono::milliseconds(1000)));
    }
  }
}

void Fetcher::Impl::run() {
  while (!stopping) {
    auto [cfg, version] = current();
    try {
      serve_round(*cfg, version);
    } catch (const std::exception& e) {
      // A broken store (disk full, corruption): log, wait, try again; never spin.
      spdlog::error("fetcher: {}; retrying in 30 s", e.what());
      for (int i = 0; i < 300 && !stopping; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }
}

Fetcher::Fetcher(std::unique_ptr<storage::Store> writer, Options options)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = std::move(writer);
  impl_->config = std::make_shared<const Options>(std::move(options));
}

Fetcher::~Fetcher() {
  stop();
}

void Fetcher::start() {
  if (impl_->thread.joinable()) {
    return;
  }
  impl_->stopping = false;
  impl_->thread = std::thread([this] { impl_->run(); });
}

void Fetcher::apply(Options options) {
  auto next = std::make_shared<const Options>(std::move(options));
  {
    std::lock_guard lock(impl_->mutex);
    impl_->config = std::move(next);
    ++impl_->config_version;
  }
  impl_->wake();
}

void Fetcher::stop() {
  impl_->stopping = true;
  impl_->wake();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

void Fetcher::set_pinned_entries(std::function<std::vector<std::int64_t>()> pinned) {
  impl_->pinned = std::move(pinned);
}

PollReport Fetcher::poll_once(
    const std::function<void(const FeedPollResult&, std::size_t, std::size_t)>& progress) {
  auto [cfg, version] = impl_->current();
  PollReport report;
  auto stored = impl_->states();
  std::vector<Job> jobs;
  const std::size_t total = cfg->feeds.size();
  auto record = [&](const FeedPollResult& r) {
    report.feeds.push_back(r);
    if (progress) {
      progress(report.feeds.back(), report.feeds.size(), total);
    }
  };
  for (const auto& [key, feed] : cfg->feeds) {
    auto it = stored.find(key);
    auto state = sync_feed_state(feed, it == stored.end() ? std::nullopt
                                                          : std::optional(std::move(it->second)));
    if (state.disabled) {
      record(disabled_result(state));
      continue;
    }
    if (!impl_->store->acquire_feed_lease(key, cfg->fetch.node, cfg->fetch.lease)) {
      continue; // another node is polling it right now
    }
    jobs.push_back({key, std::move(state)});
  }
  feeds::HttpClient http(http_options(*cfg));
  impl_->set_client(&http);
  try {
    impl_->round(
        *cfg, http, std::move(jobs), [this] { return impl_->stopping.load(); }, record);
  } catch (...) {
    impl_->set_client(nullptr);
    throw;
  }
  impl_->set_client(nullptr);
  (void)version;
  return report;
}

} // namespace feedpop::ingest
