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
  sessions_.emplace(s.id, s);
  return s;
}

void SessionStore::make_room(Clock::time_point now) {
  if (sessions_.size() < max_) {
    return;
  }
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
  while (!sessions_.empty() && sessions_.size() >= max_) {
    // The oldest anonymous session if there is one, else the oldest of all.
    auto victim = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      const bool anon = it->second.user.empty();
      const bool victim_anon = victim->second.user.empty();
      if ((anon && !victim_anon) ||
          (anon == victim_anon && it->second.expires < victim->second.expires)) {
        victim = it;
      }
    }
    sessions_.erase(victim);
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
