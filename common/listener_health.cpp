#include "common/listener_health.hpp"

namespace feedpop {

bool ListenerHealth::Listener::failed(std::string_view error) {
  std::lock_guard lock(mutex_);
  const bool was_accepting = !failing_.load(std::memory_order_relaxed);
  if (was_accepting) {
    since_ = std::chrono::steady_clock::now();
  }
  error_.assign(error);
  failing_.store(true, std::memory_order_relaxed);
  return was_accepting;
}

bool ListenerHealth::Listener::clear() {
  std::lock_guard lock(mutex_);
  const bool was_failing = failing_.load(std::memory_order_relaxed);
  failing_.store(false, std::memory_order_relaxed);
  error_.clear();
  return was_failing;
}

std::optional<std::string> ListenerHealth::Listener::problem() const {
  std::lock_guard lock(mutex_);
  if (!failing_.load(std::memory_order_relaxed)) {
    return std::nullopt;
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - since_)
          .count();
  return name_ + ": not accepting connections for " + std::to_string(seconds) + " s (" + error_ +
         ")";
}

ListenerHealth::Listener& ListenerHealth::add(std::string name) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::make_unique<Listener>(std::move(name)));
  return *listeners_.back();
}

std::vector<std::string> ListenerHealth::problems() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& l : listeners_) {
    if (auto p = l->problem()) {
      out.push_back(std::move(*p));
    }
  }
  return out;
}

} // namespace feedpop
