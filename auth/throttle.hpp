#pragma once
// Failure throttling for every protocol that checks passwords (RFC 1939 §8's advice;
// Dovecot's auth_failure_delay): the delay before a failed authentication is answered
// doubles with each recent failure from the same address, between a floor and a cap.
//
// Thread-safe (one instance shared by all I/O threads). Memory is bounded: entries idle
// for the forget period are dropped when the table grows past its cap.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace feedpop::auth {

class FailureThrottle {
public:
  using Clock = std::chrono::steady_clock;

  // Records a failure from `address` and returns how long to wait before answering it.
  std::chrono::milliseconds failure_delay(std::string_view address, std::chrono::milliseconds floor,
                                          std::chrono::milliseconds cap);

private:
  struct Failures {
    unsigned count = 0;
    Clock::time_point last;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Failures> failures_;
};

} // namespace feedpop::auth
