#pragma once
// Where the fetcher's polls come from (fetcher thread only): serve's Schedule, which keeps
// every feed's next poll time in a PollQueue and takes due feeds (and their leases) one at
// a time, or poll_once's fixed list. The Fetcher submits what a source hands out, up to a
// window (window_of), and reports each stored result back.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ingest/fetcher.hpp"
#include "ingest/options.hpp"
#include "ingest/poll_queue.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

struct Job {
  std::string key;
  storage::FeedState state;
  std::chrono::steady_clock::time_point submitted{};
};

class Source {
public:
  virtual ~Source() = default;
  // A feed to poll now (its lease taken when the store is shared), or nullopt.
  virtual std::optional<Job> next(storage::Time now) = 0;
  // How long until next() may have a feed again (only asked after it had none).
  virtual std::chrono::milliseconds wait() const = 0;
  // A poll's result was stored; or the poll was dropped (its lease lost mid-poll).
  virtual void done(const FeedPollResult& /*result*/, storage::Time /*now*/) {}
  virtual void dropped(const std::string& /*key*/, storage::Time /*now*/) {}
  // Nothing more will come (poll_once's list is used up).
  virtual bool exhausted() const { return false; }
};

// serve's source: every enabled feed in a PollQueue by its next poll time (read from the
// store once), kept current from each poll's result. A due feed's state is read when it is
// taken (one indexed row), under its lease on a shared store: another node may have polled
// it meanwhile (then it is queued at that node's next poll time). A feed whose lease another
// node holds is tried again every third of the lease, before any other due feed: it has
// been due at least that long, and its poller may have died (takeover within lease +
// lease / 3 of a node's death; tests/e2e/pg_failover.py).
class Schedule : public Source {
public:
  Schedule(storage::Store& store, const Options& cfg, std::vector<storage::FeedState> stored);
  std::optional<Job> next(storage::Time now) override;
  std::chrono::milliseconds wait() const override;
  void done(const FeedPollResult& r, storage::Time now) override;
  void dropped(const std::string& key, storage::Time now) override;

private:
  std::chrono::seconds check() const;
  std::optional<Job> take(const std::string& key, storage::Time now);

  storage::Store& store_;
  const Options& cfg_;
  PollQueue due_;
  PollQueue retry_; // held by another node: tried again at these times
};

// poll_once's source: every enabled feed once, its lease taken when it is handed out
// (skipped while another node polls it).
class OnceList : public Source {
public:
  OnceList(storage::Store& store, const Options& cfg, std::vector<Job> jobs)
      : store_(store), cfg_(cfg), jobs_(std::move(jobs)) {}
  std::optional<Job> next(storage::Time now) override;
  std::chrono::milliseconds wait() const override { return std::chrono::milliseconds(500); }
  bool exhausted() const override { return next_ == jobs_.size(); }

private:
  storage::Store& store_;
  const Options& cfg_;
  std::vector<Job> jobs_;
  std::size_t next_ = 0;
};

// The first time at or after `earliest` that lies on the feed's own phase of `period`
// (epoch time ≡ seed mod period). A feed polled on schedule every `period` keeps its phase,
// so n feeds' polls spread evenly over the period whenever they were first polled (100,000
// feeds added at once are not polled again in one burst an interval later).
storage::Time on_phase(storage::Time earliest, std::chrono::seconds period, std::uint64_t seed);

// Polls submitted at once: on a shared store a small multiple of fetch.concurrency, so a
// node holds leases only of feeds it is about to poll (the others stay free for the other
// nodes, and a taken-over feed waits behind few); alone, every due feed (the HTTP client
// queues them per host, so a host with thousands of feeds never blocks the others).
std::size_t window_of(const storage::Store& store, const Options& cfg);

} // namespace feedpop::ingest
