#pragma once
// Browser sessions: a random id (256 bits, hex) in an HttpOnly cookie maps to the signed-in
// user (or none, before sign-in) and a per-session CSRF token every form carries.
// Signing in replaces the pre-sign-in session by a fresh one (no session fixation).
//
// Thread-safe. Bounded: at most `max` sessions; when full, expired ones go first (swept at
// most once a minute), then the oldest not signed in (O(log n) each: a flood of sign-in
// forms costs no scans), then the oldest of all.

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace feedpop::web {

struct WebSession {
  std::string id;
  std::string user; // empty: not signed in
  std::string csrf;
  std::string notice; // shown once on the next page (an action's result)
  std::chrono::steady_clock::time_point expires;
};

class SessionStore {
public:
  using Clock = std::chrono::steady_clock;
  SessionStore(std::chrono::seconds ttl, std::size_t max) : ttl_(ttl), max_(max) {}

  // A new session for `user` (empty: not signed in yet).
  WebSession create(std::string user);
  // The live session with this id (compared in constant time), nullopt if unknown/expired.
  std::optional<WebSession> find(std::string_view id);
  void erase(std::string_view id);
  void set_notice(std::string_view id, std::string notice);
  // Returns and clears the pending notice.
  std::string take_notice(std::string_view id);
  std::size_t size() const;

private:
  void make_room(Clock::time_point now);
  std::chrono::seconds ttl_;
  std::size_t max_;
  mutable std::mutex mutex_;
  std::map<std::string, WebSession, std::less<>> sessions_;
  std::deque<std::string> anonymous_order_; // ids of pre-sign-in sessions, oldest first
  Clock::time_point last_sweep_{};
};

// `n` random bytes from OpenSSL's CSPRNG, hex-encoded.
std::string random_token(std::size_t n = 32);

} // namespace feedpop::web
