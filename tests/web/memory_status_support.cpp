#include "memory_status.hpp"

#include <algorithm>

namespace feedpop::web::testing {

namespace {

std::chrono::sys_seconds at(long long s) {
  return std::chrono::sys_seconds(std::chrono::seconds(s));
}

bool is_admin(std::string_view user) {
  return user == "admin";
}

} // namespace

MemoryStatus::MemoryStatus() {
  feeds_["lwn"] = {{"lwn", "LWN.net headlines", "https://lwn.net/headlines/rss", FeedState::ok,
                    at(1796625000), "", at(1796628600), 42, false},
                   {"admin", "alice"}};
  feeds_["broken"] = {{"broken", "A <broken> feed & more", "https://example.invalid/feed",
                       FeedState::failing, at(1796625000),
                       "The server answered 404 Not Found three times in a row.", at(1796632200), 3,
                       false},
                      {"admin"}};
  feeds_["alice-blog"] = {{"alice-blog", "Alice's blog", "https://alice.example/atom.xml",
                           FeedState::ok, at(1796625600), "", at(1796629200), 7, true},
                          {"alice"}};
}

std::optional<Overview> MemoryStatus::overview(std::string_view user) {
  if (user != "admin" && user != "alice") {
    return std::nullopt;
  }
  std::lock_guard lock(mutex_);
  Overview o;
  o.user = {std::string(user), is_admin(user), user == "alice" ? 5u : 2u, 12345, 0};
  for (const auto& [key, f] : feeds_) {
    if (std::find(f.users.begin(), f.users.end(), user) != f.users.end()) {
      o.feeds.push_back(f.status);
    }
    if (is_admin(user)) {
      o.all_feeds.push_back(f.status);
    }
  }
  o.user.feeds = o.feeds.size();
  if (is_admin(user)) {
    o.all_users = {{"admin", true, 2, 12345, 2}, {"alice", false, 5, 54321, 2}};
  }
  return o;
}

std::vector<std::string> MemoryStatus::health_problems() {
  std::lock_guard lock(mutex_);
  return problems_;
}

ActionResult MemoryStatus::act(std::string_view user, std::string_view key, FeedAction action) {
  std::lock_guard lock(mutex_);
  ++actions_;
  const auto it = feeds_.find(std::string(key));
  if (it == feeds_.end() ||
      std::find(it->second.users.begin(), it->second.users.end(), user) == it->second.users.end()) {
    return {false, "You have no feed called " + std::string(key) + "."};
  }
  auto& f = it->second.status;
  if (!f.user_added) {
    return {false, f.key + " comes from the configuration; ask the administrator."};
  }
  switch (action) {
  case FeedAction::pause:
    f.state = FeedState::paused;
    return {true, "Paused " + f.key + "."};
  case FeedAction::resume:
    f.state = FeedState::ok;
    return {true, "Resumed " + f.key + "."};
  case FeedAction::unsubscribe:
    feeds_.erase(it);
    return {true, "Unsubscribed from " + std::string(key) + "."};
  }
  return {false, "?"};
}

ActionResult MemoryStatus::subscribe(std::string_view user, std::string_view url) {
  std::lock_guard lock(mutex_);
  ++actions_;
  const std::string key = "sub-" + std::to_string(feeds_.size());
  feeds_[key] = {{key, std::string(url), std::string(url), FeedState::pending, std::nullopt, "",
                  std::nullopt, 0, true},
                 {std::string(user)}};
  return {true, "Subscribed to " + std::string(url) + " as " + key + "."};
}

void MemoryStatus::set_health_problems(std::vector<std::string> problems) {
  std::lock_guard lock(mutex_);
  problems_ = std::move(problems);
}

FeedState MemoryStatus::state_of(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = feeds_.find(key);
  return it == feeds_.end() ? FeedState::gone : it->second.status.state;
}

std::size_t MemoryStatus::action_count() {
  std::lock_guard lock(mutex_);
  return actions_;
}

std::optional<auth::Credentials> MemoryCredentials::lookup(std::string_view user) {
  if (user == "admin") {
    return auth::Credentials{std::string("admin-pass"), std::nullopt};
  }
  if (user == "alice") {
    return auth::Credentials{std::string("alice-pass"), std::nullopt};
  }
  return std::nullopt;
}

} // namespace feedpop::web::testing
