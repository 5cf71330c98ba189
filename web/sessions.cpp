#include "web/sessions.hpp"

#include <algorithm>
#include <utility>

#include "auth/crypto.hpp"

namespace feedpop::web {

std::string random_token(std::size_t n) {
  return auth::crypto::hex(auth::crypto::random_bytes(n));
}

WebSession SessionStore::create(std::string user) {
  const auto now = Clock::now();
  WebSession s{random_token(), std::move(user), random_token(), {}, now + ttl_};
  if (s.user.empty()) {
    // Before sign-in a session only carries the sign-in form's CSRF token.
    s.expires = now + std::min(ttl_, std::chrono::seconds(3600));
  }
  std::lock_guard lock(mutex_);
  make_room(now);
  if (s.user.empty()) {
    anonymous_order_.push_back(s.id);
    // Ids of sessions that signed in or expired linger here; drop them now and then.
    if (anonymous_order_.size() > 2 * max_) {
      std::erase_if(anonymous_order_, [this](const std::string& id) {
        const auto it = sessions_.find(id);
        return it == sessions_.end() || !it->second.user.empty();
      });
    }
  }
  sessions_.emplace(s.id, s);
  return s;
}

void SessionStore::make_room(Clock::time_point now) {
  if (sessions_.size() < max_) {
    return;
  }
  if (now - last_sweep_ >= std::chrono::minutes(1)) {
    last_sweep_ = now;
    std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
  }
  // Pre-sign-in sessions all live equally long, so creation order is expiry order.
  while (sessions_.size() >= max_ && !anonymous_order_.empty()) {
    const auto it = sessions_.find(anonymous_order_.front());
    if (it != sessions_.end() && it->second.user.empty()) {
      sessions_.erase(it);
    }
    anonymous_order_.pop_front();
  }
  while (!sessions_.empty() && sessions_.size() >= max_) {
    const auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
      return a.second.expires < b.second.expires;
    });
    sessions_.erase(oldest);
  }
}

std::optional<WebSession> SessionStore::find(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  // The hash lookup found a candidate; the constant-time compare keeps the final
  // equality check from leaking a prefix match through timing.
  if (it == sessions_.end() || !auth::crypto::constant_time_equal(it->first, id)) {
    return std::nullopt;
  }
  if (it->second.expires <= Clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void SessionStore::erase(std::string_view id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(std::string(id));
}

void SessionStore::set_notice(std::string_view id, std::string notice) {
  std::lock_guard lock(mutex_);
  if (const auto it = sessions_.find(id); it != sessions_.end()) {
    it->second.notice = std::move(notice);
  }
}

std::string SessionStore::take_notice(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? std::string{} : std::exchange(it->second.notice, {});
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

} // namespace feedpop::web
