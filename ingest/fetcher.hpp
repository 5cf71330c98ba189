#pragma once
// The fetcher: one thread that polls every configured feed (libcurl multi), parses,
// renders and stores each poll's new entries in one transaction (DESIGN.md data flow).
//
// Threading: start() runs the poll loop on its own thread; apply() and stop() may be
// called from any thread. poll_once() is for `feedpop fetch --once` and must not be
// mixed with start(). Errors of one feed never stop the others; a broken store throws
// out of poll_once() and is logged (and retried) by the thread.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

struct FeedPollResult {
  std::string key;
  bool ok = false;
  std::string status; // "ok", "not_modified", "error", "gone", "cancelled"
  int http_code = 0;
  std::size_t new_entries = 0; // delivered (rendered) entries stored by this poll
  std::string error;
  std::size_t articles_fetched = 0;         // full articles extracted (content: full | auto)
  std::size_t articles_failed = 0;          // article fetches or extractions that failed
  std::size_t images_failed = 0;            // images: inline ones that stay remote
  std::optional<storage::Time> next_poll{}; // as saved by this poll (none: not saved)
};

struct PollReport {
  std::vector<FeedPollResult> feeds;
  std::size_t failed() const;
};

class Fetcher {
public:
  Fetcher(std::unique_ptr<storage::Store> writer, Options options);
  ~Fetcher(); // stop()s
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  void start();
  // Live reload: new feeds are polled at once, removed ones stop, changed ones re-sync.
  void apply(Options options);
  // Aborts in-flight transfers; nothing half-done is committed. Joins the thread.
  void stop();
  // Polls every (enabled) feed once now, ignoring schedules; progress gets each result.
  // Entries that retention must not purge (those in open POP3 sessions' snapshots);
  // called on the fetcher thread. Set before start().
  void set_pinned_entries(std::function<std::vector<std::int64_t>()> pinned);
  PollReport poll_once(const std::function<void(const FeedPollResult&, std::size_t done,
                                                std::size_t total)>& progress = {});

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace feedpop::ingest
