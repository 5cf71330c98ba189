#include "auth/throttle.hpp"

#include <algorithm>

namespace feedpop::auth {
namespace {

constexpr std::size_t table_cap = 10000;
constexpr auto forget_after = std::chrono::minutes(10);

} // namespace

std::chrono::milliseconds FailureThrottle::failure_delay(std::string_view address,
                                                         std::chrono::milliseconds floor,
                                                         std::chrono::milliseconds cap) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (failures_.size() > table_cap) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.last > forget_after ? failures_.erase(it) : std::next(it);
    }
  }
  auto& f = failures_[std::string(address)];
  if (now - f.last > forget_after) {
    f.count = 0;
  }
  f.last = now;
  const unsigned doublings = std::min(f.count++, 8u);
  const auto delay = floor * (1u << doublings);
  return std::min<std::chrono::milliseconds>(std::max(delay, floor), cap);
}

} // namespace feedpop::auth
