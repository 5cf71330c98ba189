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
#include "ingest/poll_schedule.hpp"

namespace feedpop::ingest {

using storage::FeedState;
using storage::Time;

namespace {

Time now_seconds() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

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

  std::map<std::string, storage::FeedState> states() {
    std::map<std::string, storage::FeedState> out;
    for (auto& s : store->feed_states()) {
      std::string key = s.key;
      out.emplace(std::move(key), std::move(s));
    }
    return out;
  }

  void drive(const Options& cfg, feeds::HttpClient& http, Source& source, std::size_t window,
             const std::function<bool()>& interrupted,
             const std::function<void(const FeedPollResult&)>& on_result);
  void serve_loop(const Options& cfg, std::uint64_t version);
  void run();
};

// Keeps up to `window` polls submitted, taking more from `source` as they complete or
// become due; stores every completion. Returns when the source is exhausted and nothing is
// in flight, or when `interrupted()` says so (then transfers are cancelled and nothing of
// theirs is stored). Leases of polls in flight are renewed every third of the lease.
void Fetcher::Impl::drive(const Options& cfg, feeds::HttpClient& http, Source& source,
                          std::size_t window, const std::function<bool()>& interrupted,
                          const std::function<void(const FeedPollResult&)>& on_result) {
  using Clock = std::chrono::steady_clock;
  std::unordered_map<std::uint64_t, Job> in_flight;
  std::unordered_set<std::string> lost; // leases taken over by another node mid-poll
  const auto& lease = cfg.fetch;
  auto renewed = Clock::now();
  std::uint64_t tag = 0;
  for (;;) {
    if (interrupted()) {
      http.cancel_all();
      http.perform(std::chrono::milliseconds(0)); // collects (and drops) the cancellations
      return;
    }
    bool room = in_flight.size() < window;
    for (Time now = now_seconds(); room; room = in_flight.size() < window) {
      auto job = source.next(now);
      if (!job) {
        break;
      }
      // The duration metric counts from here: it includes waiting for a fetch.concurrency
      // / per_host slot.
      job->submitted = Clock::now();
      feeds::HttpRequest request = poll_request(cfg, cfg.feeds.at(job->key), job->state);
      request.tag = ++tag;
      http.submit(std::move(request));
      in_flight.emplace(tag, std::move(*job));
    }
    if (in_flight.empty() && source.exhausted()) {
      return;
    }
    if (!in_flight.empty() && Clock::now() - renewed > lease.lease / 3) {
      renewed = Clock::now();
      for (const auto& [t, job] : in_flight) {
        if (!store->renew_feed_lease(job.key, lease.node, lease.lease)) {
          lost.insert(job.key);
        }
      }
    }
    const auto wait = room ? std::min(source.wait(), std::chrono::milliseconds(500))
                           : std::chrono::milliseconds(500);
    for (feeds::Completion& c : http.perform(wait)) {
      auto it = in_flight.find(c.tag);
      if (it == in_flight.end()) {
        continue;
      }
      Job job = std::move(it->second);
      in_flight.erase(it);
      metrics::handles().fetch_duration.observe(
          std::chrono::duration<double>(Clock::now() - job.submitted).count());
      if (lost.erase(job.key) > 0) {
        source.dropped(job.key, now_seconds()); // another node polls this feed now
        continue;
      }
      const FeedOptions& feed = cfg.feeds.at(job.key);
      const FeedPollResult r = complete_poll(*store, cfg, feed, std::move(job.state),
                                             std::move(c.result), now_seconds(), pinned, &http);
      store->release_feed_lease(job.key, lease.node);
      source.done(r, now_seconds());
      on_result(r);
    }
  }
}

void Fetcher::Impl::serve_loop(const Options& cfg, std::uint64_t version) {
  feeds::HttpClient http(http_options(cfg));
  set_client(&http);
  struct ClearClient {
    Impl* m;
    ~ClearClient() { m->set_client(nullptr); }
  } clear{this};
  Schedule schedule(*store, cfg, store->feed_states());
  drive(
      cfg, http, schedule, window_of(*store, cfg),
      [&] { return stopping.load() || current().second != version; },
      [](const FeedPollResult& r) {
        if (!r.ok) {
          spdlog::warn("feed {}: {} ({})", r.key, r.status, r.error);
        } else {
          spdlog::debug("feed {}: {}, {} new", r.key, r.status, r.new_entries);
        }
      });
}

void Fetcher::Impl::run() {
  while (!stopping) {
    auto [cfg, version] = current();
    try {
      serve_loop(*cfg, version);
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
    jobs.push_back({key, std::move(state)});
  }
  OnceList list(*impl_->store, *cfg, std::move(jobs));
  feeds::HttpClient http(http_options(*cfg));
  impl_->set_client(&http);
  try {
    impl_->drive(
        *cfg, http, list, window_of(*impl_->store, *cfg), [this] { return impl_->stopping.load(); },
        record);
  } catch (...) {
    impl_->set_client(nullptr);
    throw;
  }
  impl_->set_client(nullptr);
  (void)version;
  return report;
}

} // namespace feedpop::ingest
