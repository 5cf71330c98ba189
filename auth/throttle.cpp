#include "auth/throttle.hpp"

#include <algorithm>

#include <arpa/inet.h>

#include "auth/crypto.hpp"
#include "common/ascii.hpp"

namespace feedpop::auth {
namespace {

// Failures older than this no longer lengthen the failure delay.
constexpr auto forget_failures_after = std::chrono::minutes(10);

// User names are counted case-insensitively (a store may resolve "Alice" and "alice" to
// one user); long names are hashed so a key's size stays small.
std::string user_key(std::string_view user) {
  std::string key = ascii::lower(user);
  if (key.size() > 64) {
    key = crypto::hex(crypto::sha256(key));
  }
  return key;
}

} // namespace

template <class V> V* Throttle::Lru<V>::find(const std::string& key) {
  const auto it = index_.find(key);
  if (it == index_.end()) {
    return nullptr;
  }
  order_.splice(order_.begin(), order_, it->second);
  return &it->second->second;
}

template <class V> V& Throttle::Lru<V>::get(const std::string& key) {
  if (V* v = find(key)) {
    return *v;
  }
  if (index_.size() >= cap_ && !order_.empty()) {
    index_.erase(order_.back().first);
    order_.pop_back();
  }
  order_.emplace_front(key, V{});
  index_.emplace(key, order_.begin());
  return order_.front().second;
}

Throttle::Throttle(ThrottleOptions options)
    : options_(options), addresses_(std::max<std::size_t>(options.max_entries, 1)),
      users_(std::max<std::size_t>(options.max_entries, 1)),
      trusted_(std::max<std::size_t>(options.max_entries, 1)) {}

std::string Throttle::address_key(std::string_view address) {
  unsigned char v6[16];
  const std::string text(address);
  if (::inet_pton(AF_INET6, text.c_str(), v6) == 1) {
    return crypto::hex(std::string_view(reinterpret_cast<const char*>(v6), 8)) + "::/64";
  }
  return text;
}

Throttle::Decision Throttle::attempt(std::string_view address, std::string_view user, bool success,
                                     Clock::time_point now) {
  return decide(
      {address, user, success, now, options_.failure_delay, options_.max_failure_delay, true});
}

std::chrono::milliseconds Throttle::failure_delay(std::string_view address,
                                                  std::chrono::milliseconds floor,
                                                  std::chrono::milliseconds cap,
                                                  Clock::time_point now) {
  const Decision d = decide({address, {}, false, now, floor, cap, false});
  return std::chrono::ceil<std::chrono::milliseconds>(d.answer_at - now);
}

Throttle::Decision Throttle::decide(const Request& r) {
  const std::string akey = address_key(r.address);
  const std::string ukey = r.user.empty() ? std::string() : user_key(r.user);
  const std::string pair = ukey + '\0' + akey;
  std::lock_guard lock(mutex_);
  AddressState& a = addresses_.get(akey);
  Clock::time_point start = std::max(r.now, a.next);
  UserState* u = nullptr;
  if (!ukey.empty() && trusted_.find(pair) == nullptr) {
    u = &users_.get(ukey);
    start = std::max(start, u->next);
  }
  if (r.may_refuse && start - r.now > options_.max_wait) {
    return {r.now + r.floor, true};
  }
  if (r.success) {
    // A success reserves no slot (the attacker has nothing left to guess) and trusts the
    // address for this user from now on.
    trusted_.get(pair) = true;
    return {start, false};
  }
  // The doubling delay (RFC 1939 §8): reset after quiet, counted per address.
  if (r.now - a.last_failure > forget_failures_after) {
    a.failures = 0;
  }
  a.last_failure = r.now;
  const auto doubled = r.floor * (1u << std::min(a.failures++, 8u));
  const auto delay = std::min<std::chrono::milliseconds>(std::max(doubled, r.floor), r.cap);
  // The slots count from the answer, so verdicts are spaced whatever the failure delay.
  const Clock::time_point answer = std::max(start, r.now + delay);
  if (options_.per_address.count() > 0) {
    a.next = answer + options_.per_address;
  }
  if (u != nullptr && options_.per_user.count() > 0) {
    u->next = answer + options_.per_user;
  }
  return {answer, false};
}

std::size_t Throttle::entries() const {
  std::lock_guard lock(mutex_);
  return addresses_.size() + users_.size() + trusted_.size();
}

} // namespace feedpop::auth
