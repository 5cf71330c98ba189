#pragma once
// Throttling of password guessing, shared by every protocol that checks passwords (POP3
// today; SMTP submission and the web page should share the same instance, so a client
// cannot add up the limits of several protocols).
//
// Each authentication attempt is checked first and answered later: the protocol asks
// attempt() when the verdict (success or failure alike) may be sent, and waits until then.
// A verdict is the only thing a guesser learns, so bounding verdicts bounds guesses,
// whatever the number of parallel connections:
//   - per address (an IPv6 client's whole /64): one failed attempt per `per_address`;
//   - per user name, across addresses: one failed attempt per `per_user`, except from an
//     address where that user has logged in before (a delay, not a lockout an attacker
//     can impose on the user's usual devices);
//   - each failure's reply waits at least `failure_delay`, doubling with recent failures
//     from the address up to `max_failure_delay` (RFC 1939 §8; Dovecot's
//     auth_failure_delay).
// Slots are reserved in order (a generic cell rate algorithm: each key holds the earliest
// time its next verdict may go out). An attempt that would wait longer than `max_wait` is
// refused: it reserves nothing and its verdict is never sent.
//
// Thread-safe: one instance serves all I/O threads. Memory is bounded: each table keeps
// at most `max_entries` keys, least recently used first out.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace feedpop::auth {

struct ThrottleOptions {
  std::chrono::milliseconds per_address{1000}; // 0: no per-address slots
  std::chrono::milliseconds per_user{2000};    // 0: no per-user slots
  std::chrono::milliseconds failure_delay{1000};
  std::chrono::milliseconds max_failure_delay{15000};
  std::chrono::milliseconds max_wait{15000};
  std::size_t max_entries = 16384; // per table: addresses, user names, trusted pairs
};

class Throttle {
public:
  using Clock = std::chrono::steady_clock;

  struct Decision {
    Clock::time_point answer_at; // send the verdict (or, refused, close) no earlier
    bool refused = false;        // too many attempts queued: close without the verdict
  };

  explicit Throttle(ThrottleOptions options = {});

  // Records an attempt by `user` (empty when no name was given) from `address` (text form,
  // IPv4 or IPv6) whose check gave `success`, and says when its verdict may be sent.
  Decision attempt(std::string_view address, std::string_view user, bool success,
                   Clock::time_point now = Clock::now());

  // For a protocol that throttles failures only and knows no user name: records a failure
  // from `address` and returns how long to wait before answering it, with `floor` and
  // `cap` in place of the failure delay options. It takes the address's slot like
  // attempt() but is never refused. attempt() gives the full guarantee (per user name,
  // successes held back too); this keeps callers written for the failure delay alone.
  std::chrono::milliseconds failure_delay(std::string_view address, std::chrono::milliseconds floor,
                                          std::chrono::milliseconds cap,
                                          Clock::time_point now = Clock::now());

  // The key an address is counted under: an IPv4 address itself, an IPv6 address's /64.
  static std::string address_key(std::string_view address);

  const ThrottleOptions& options() const { return options_; }
  std::size_t entries() const; // keys held in all tables (bounded memory, for tests)

private:
  // A map that forgets its least recently used key beyond a fixed size.
  template <class V> class Lru {
  public:
    explicit Lru(std::size_t cap) : cap_(cap) {}
    V* find(const std::string& key);
    V& get(const std::string& key);
    std::size_t size() const { return index_.size(); }

  private:
    std::size_t cap_;
    std::list<std::pair<std::string, V>> order_; // most recent first
    std::unordered_map<std::string, typename std::list<std::pair<std::string, V>>::iterator> index_;
  };
  struct AddressState {
    Clock::time_point next{};         // earliest answer for the next attempt
    Clock::time_point last_failure{}; // for the doubling failure delay
    unsigned failures = 0;
  };
  struct UserState {
    Clock::time_point next{};
  };

  struct Request {
    std::string_view address, user;
    bool success = false;
    Clock::time_point now;
    std::chrono::milliseconds floor, cap; // the doubling failure delay's bounds
    bool may_refuse = true;
  };
  Decision decide(const Request& r);

  ThrottleOptions options_;
  mutable std::mutex mutex_;
  Lru<AddressState> addresses_;
  Lru<UserState> users_;
  Lru<bool> trusted_; // "user\0address key" pairs that logged in
};

// The name the first protocols were written against.
using FailureThrottle = Throttle;

} // namespace feedpop::auth
