#pragma once
// Builds digests on their schedule while `serve` runs (ingest/digest.hpp for periods).
//
// A thread wakes every `tick` and, for each digest whose latest period end (at the
// clock's now) differs from the one it last built, builds that period. It keeps no state
// that matters across restarts: building a period again stores nothing, so after a
// restart the latest period is simply built again (and anything missed while stopped is
// in it). A failed build (StoreError) is logged and retried at the next tick.
//
// Which digests there are can depend on the store (a user's digest covers the feeds they
// added by mail, which any node of a cluster may have stored): a Digests function is asked
// at every round, with the thread's store.
//
// Threading: start(), apply() and stop() from any thread; run_due() is what the thread
// runs, public for tests (do not call it while the thread runs). The store is opened by
// the thread and used only there.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ingest/digest.hpp"
#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

class DigestScheduler {
public:
  using OpenStore = std::function<std::unique_ptr<storage::Store>()>;
  using Clock = std::function<storage::Time()>;
  // The digests to build; runs on the scheduler's thread (StoreError: the round is retried).
  using Digests = std::function<std::vector<DigestConfig>(storage::Store&)>;

  DigestScheduler(OpenStore open_store, std::string hostname, Clock clock = {},
                  std::chrono::milliseconds tick = std::chrono::seconds(30));
  ~DigestScheduler(); // stop()s
  DigestScheduler(const DigestScheduler&) = delete;
  DigestScheduler& operator=(const DigestScheduler&) = delete;

  void start(Digests digests);
  void apply(Digests digests);                   // config reload: takes effect at once
  void start(std::vector<DigestConfig> digests); // a fixed list: no store until one is due
  void apply(std::vector<DigestConfig> digests);
  void stop();

  // One round: builds every digest whose period end moved; returns what it stored.
  std::vector<DigestBuild> run_due();

private:
  void loop();

  OpenStore open_store_;
  std::string hostname_;
  Clock clock_;
  std::chrono::milliseconds tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool changed_ = false;                       // apply() since the last round
  Digests digests_;                            // when set, asked every round
  std::vector<DigestConfig> fixed_;            // else these
  std::map<std::string, storage::Time> built_; // digest key → period end last built
  std::unique_ptr<storage::Store> store_;
  std::thread thread_;
};

} // namespace feedpop::ingest
