#pragma once
// Whether a server's listeners are accepting connections, for /healthz's "listener down".
// Each acceptor loop reports its outcome; a listener whose last accept failed (EMFILE,
// ENFILE, ENOBUFS, a closed descriptor, ...) is down until an accept succeeds again.
//
//   auto& l = health.add("pop3 127.0.0.1:1110");   // at bind time
//   if (l.accepted()) log("accepting again");       // each accept: one relaxed load
//   if (l.failed(ec.message())) log("down");         // true only when it just went down
//   health.problems();                               // "pop3 127.0.0.1:1110: not accepting ..."
//
// Threading: every member is thread-safe. A Listener lives as long as its ListenerHealth.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop {

class ListenerHealth {
public:
  class Listener {
  public:
    explicit Listener(std::string name) : name_(std::move(name)) {}
    // True when this accept ends a failure (log it once, not every retry).
    bool accepted() { return failing_.load(std::memory_order_relaxed) && clear(); }
    // True when the listener was accepting until now.
    bool failed(std::string_view error);
    const std::string& name() const { return name_; }
    // "NAME: not accepting connections for N s (ERROR)" while down.
    std::optional<std::string> problem() const;

  private:
    bool clear();
    const std::string name_;
    std::atomic<bool> failing_{false};
    mutable std::mutex mutex_;
    std::string error_;
    std::chrono::steady_clock::time_point since_{};
  };

  Listener& add(std::string name);
  std::vector<std::string> problems() const;

private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Listener>> listeners_;
};

} // namespace feedpop
