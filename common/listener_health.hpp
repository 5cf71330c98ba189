#pragma once
// Whether a server's listeners are accepting connections, for /healthz's "listener down".
// Each acceptor loop reports its outcome; a listener whose last accept failed (EMFILE,
// ENFILE, ENOBUFS, a closed descriptor, ...) is down until an accept succeeds again.
//
//   auto& l = health.add("pop3 127.0.0.1:1110");   // at bind time
//   l.accepted();                                    // each accept: one relaxed load
//   l.failed(ec.message());                          // an accept failed
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
    void accepted() {
      if (failing_.load(std::memory_order_relaxed)) {
        clear();
      }
    }
    void failed(std::string_view error);
    // "NAME: not accepting connections for N s (ERROR)" while down.
    std::optional<std::string> problem() const;

  private:
    void clear();
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
