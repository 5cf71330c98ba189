#include "gateway/web_status.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "common/metrics.hpp"

namespace feedpop::gateway {
namespace {

using Seconds = std::chrono::sys_seconds;

std::map<std::string, storage::FeedState> states_by_key(storage::Store& store) {
  std::map<std::string, storage::FeedState> out;
  for (auto& s : store.feed_states()) {
    out.emplace(s.key, std::move(s));
  }
  return out;
}

web::FeedStatus feed_status(const FeedConfig& feed,
                            const std::map<std::string, storage::FeedState>& states,
                            const std::map<std::string, std::uint64_t>& delivered) {
  web::FeedStatus out;
  out.key = feed.key;
  out.title = feed.title.value_or(feed.key);
  out.url = feed.url;
  const auto it = states.find(feed.key);
  const std::optional<storage::FeedState> state =
      it == states.end() ? std::nullopt : std::optional(it->second);
  out.state = feed_state_of(state);
  if (state) {
    out.last_fetch = state->last_poll;
    out.next_poll = state->next_poll;
    if (out.state == web::FeedState::failing || out.state == web::FeedState::gone) {
      out.last_error = plain_error(*state);
    }
  }
  if (const auto d = delivered.find(feed.key); d != delivered.end()) {
    out.delivered = d->second;
  }
  return out;
}

web::UserStatus user_status(storage::Store& store, const Config& config, const UserConfig& user) {
  web::UserStatus out;
  out.name = user.name;
  out.admin = user.admin;
  const auto keys = config.subscriptions(user.name);
  out.feeds = keys.size();
  for (const auto& item : store.snapshot(user.name, keys)) {
    ++out.waiting_messages;
    out.waiting_bytes += item.size;
  }
  return out;
}

} // namespace

web::FeedState feed_state_of(const std::optional<storage::FeedState>& state) {
  if (!state || state->last_status == "never") {
    return web::FeedState::pending;
  }
  if (state->disabled || state->last_status == "gone") {
    return web::FeedState::gone;
  }
  if (state->last_status == "error") {
    return web::FeedState::failing;
  }
  return web::FeedState::ok;
}

std::string plain_error(const storage::FeedState& state) {
  if (state.disabled || state.last_status == "gone") {
    return "The feed is gone (the server answered 410 Gone); change its URL to poll it again.";
  }
  std::string text = state.http_code ? fmt::format("The server answered HTTP {}", *state.http_code)
                                     : std::string("The feed could not be fetched");
  if (state.last_error && !state.last_error->empty()) {
    text += ": " + *state.last_error;
  }
  if (state.consecutive_failures > 1) {
    text += fmt::format(" ({} failures in a row)", state.consecutive_failures);
  }
  return text;
}

WebStatus::WebStatus(OpenReader open_reader, CurrentConfig config, Subscriptions* subscriptions)
    : open_reader_(std::move(open_reader)), config_(std::move(config)),
      subscriptions_(subscriptions), started_(std::chrono::system_clock::now()) {}

std::optional<web::Overview> WebStatus::overview(std::string_view user) {
  const auto config = config_();
  const auto u = config->users.find(std::string(user));
  if (u == config->users.end()) {
    return std::nullopt;
  }
  auto store = open_reader_();
  const auto states = states_by_key(*store);
  std::map<std::string, std::uint64_t> delivered;
  for (const auto& c : store->feed_counts()) {
    delivered[c.key] = c.entries;
  }
  web::Overview out;
  out.user = user_status(*store, *config, u->second);
  for (const auto& key : config->subscriptions(u->second.name)) {
    out.feeds.push_back(feed_status(config->feeds.at(key), states, delivered));
  }
  if (u->second.admin) {
    for (const auto& [key, feed] : config->feeds) {
      out.all_feeds.push_back(feed_status(feed, states, delivered));
    }
    for (const auto& [name, other] : config->users) {
      out.all_users.push_back(user_status(*store, *config, other));
    }
  }
  return out;
}

std::vector<std::string> WebStatus::health_problems() {
  std::vector<std::string> problems;
  const auto config = config_();
  const auto db = config->data_dir / storage::database_file_name;
  if (::access(config->data_dir.c_str(), W_OK) != 0 ||
      (std::filesystem::exists(db) && ::access(db.c_str(), W_OK) != 0)) {
    problems.push_back("store unwritable: " + db.string());
  }
  // Stalled: no poll completed for twice the shortest interval (counted from the start).
  auto shortest = config->fetch.interval;
  for (const auto& [key, feed] : config->feeds) {
    shortest = std::min(shortest, feed.interval.value_or(shortest));
  }
  if (!config->feeds.empty()) {
    auto latest = std::chrono::time_point_cast<std::chrono::seconds>(started_);
    try {
      auto store = open_reader_();
      for (const auto& s : store->feed_states()) {
        if (s.last_poll && *s.last_poll > latest) {
          latest = *s.last_poll;
        }
      }
    } catch (const std::exception& e) {
      problems.push_back(std::string("store unreadable: ") + e.what());
    }
    const auto idle = std::chrono::system_clock::now() - latest;
    if (idle > 2 * shortest) {
      problems.push_back(
          fmt::format("fetcher stalled: no poll completed for {}s",
                      std::chrono::duration_cast<std::chrono::seconds>(idle).count()));
    }
  }
  std::lock_guard lock(mutex_);
  if (!listener_problem_.empty()) {
    problems.push_back(listener_problem_);
  }
  return problems;
}

web::ActionResult WebStatus::act(std::string_view user, std::string_view feed_key,
                                 web::FeedAction action) {
  if (subscriptions_ == nullptr) {
    return {false, "Changing feeds from this page is not available."};
  }
  const std::string u(user);
  const std::string key(feed_key);
  Outcome outcome;
  switch (action) {
  case web::FeedAction::pause:
    outcome = subscriptions_->pause(u, key);
    break;
  case web::FeedAction::resume:
    outcome = subscriptions_->resume(u, key);
    break;
  case web::FeedAction::unsubscribe:
    outcome = subscriptions_->unsubscribe(u, key);
    break;
  }
  return {outcome.ok, outcome.message};
}

web::ActionResult WebStatus::subscribe(std::string_view user, std::string_view url) {
  if (subscriptions_ == nullptr) {
    return {false, "Subscribing from this page is not available."};
  }
  const Outcome outcome = subscriptions_->subscribe(std::string(user), std::string(url), "", {});
  return {outcome.ok, outcome.message};
}

void WebStatus::set_listener_problem(std::string problem) {
  std::lock_guard lock(mutex_);
  listener_problem_ = std::move(problem);
}

void WebStatus::refresh_feed_gauges() {
  const auto config = config_();
  auto store = open_reader_();
  const auto states = states_by_key(*store);
  double ok = 0, failing = 0, gone = 0;
  for (const auto& [key, feed] : config->feeds) {
    const auto it = states.find(key);
    switch (feed_state_of(it == states.end() ? std::nullopt : std::optional(it->second))) {
    case web::FeedState::ok:
      ++ok;
      break;
    case web::FeedState::failing:
      ++failing;
      break;
    case web::FeedState::gone:
      ++gone;
      break;
    case web::FeedState::paused:
    case web::FeedState::pending:
      break;
    }
  }
  const auto& m = metrics::handles();
  m.feeds_ok.set(ok);
  m.feeds_failing.set(failing);
  m.feeds_gone.set(gone);
  m.feeds_paused.set(0);
}

} // namespace feedpop::gateway
