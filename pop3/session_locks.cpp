#include "pop3/session_locks.hpp"

namespace feedpop::pop3 {

void SessionLocks::Guard::release() {
  if (owner_) {
    std::lock_guard lock(owner_->mutex_);
    owner_->held_.erase(user_);
  }
  owner_.reset();
}

std::optional<SessionLocks::Guard> SessionLocks::try_lock(std::string_view user) {
  std::lock_guard lock(mutex_);
  if (!held_.emplace(user).second) {
    return std::nullopt;
  }
  return Guard(shared_from_this(), std::string(user));
}

bool SessionLocks::locked(std::string_view user) const {
  std::lock_guard lock(mutex_);
  return held_.find(user) != held_.end();
}

} // namespace feedpop::pop3
