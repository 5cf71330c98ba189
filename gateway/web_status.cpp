#include "gateway/web_status.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "common/metrics.hpp"
#include "gateway/digests.hpp"
#include "gateway/user_feeds.hpp"

namespace feedpop::gateway {
namespace {

using Seconds = std::chrono::sys_seconds;

using States = std::map<std::string, storage::FeedState>; // by store key
using Delivered = std::map<std::string, std::uint64_t>;

States states_by_key(storage::Store& store) {
  States out;
  for (auto& s : store.feed_states()) {
    out.emplace(s.key, std::move(s));
  }
  return out;
}

// The stored state of a feed polled at `url`; none when it was never polled there (a new
// feed, or a key whose URL changed since its last poll).
std::optional<storage::FeedState> state_at(const States& states, const std::string& store_key,
                                           const std::string& url) {
  const auto it = states.find(store_key);
  if (it == states.end() || (!it->second.config_url.empty() && it->second.config_url != url)) {
    return std::nullopt;
  }
  return it->second;
}

web::FeedStatus feed_status(const std::string& store_key, std::string title, const std::string& url,
                            const States& states, const Delivered& delivered) {
  web::FeedStatus out;
  out.key = store_key;
  out.title = std::move(title);
  out.url = url;
  const auto state = state_at(states, store_key, url);
  out.state = feed_state_of(state);
  if (state) {
    out.last_fetch = state->last_poll;
    out.next_poll = state->next_poll;
    if (out.state == web::FeedState::failing || out.state == web::FeedState::gone) {
      out.last_error = plain_error(*state);
    }
  }
  if (const auto d = delivered.find(store_key); d != delivered.end()) {
    out.delivered = d->second;
  }
  return out;
}

web::FeedStatus feed_status(const FeedConfig& feed, const States& states,
                            const Delivered& delivered) {
  return feed_status(feed.key, feed.title.value_or(feed.key), feed.url, states, delivered);
}

// A feed a user added (by mail or on the page). `own`: shown to its owner, under the key
// the owner knows and acts on ("lwn"); else, for admins, under its store key ("alice/lwn").
web::FeedStatus feed_status(const storage::UserFeed& feed, const States& states,
                            const Delivered& delivered, bool own) {
  auto out =
      feed_status(user_feed_key(feed.owner, feed.key), feed.key, feed.url, states, delivered);
  if (own) {
    out.key = feed.key;
  }
  out.user_added = own;
  if (feed.paused) {
    out.state = web::FeedState::paused;
    out.last_error.clear();
  }
  return out;
}

web::UserStatus user_status(storage::Store& store, const Config& config, const UserConfig& user,
                            const std::vector<storage::UserFeed>& user_feeds) {
  web::UserStatus out;
  out.name = user.name;
  out.admin = user.admin;
  out.feeds =
      config.subscriptions(user.name).size() +
      static_cast<std::size_t>(std::count_if(user_feeds.begin(), user_feeds.end(),
                                             [&](const auto& f) { return f.owner == user.name; }));
  // What POP3 shows the full mailbox (configured feeds, own feeds, feedpop's replies, a
  // digested user's digests instead of the entries they cover): the same keys.
  for (const auto& item : store.snapshot(user.name, mailbox_keys(config, user.name, user_feeds))) {
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
  // The fetcher's error adds nothing when it only repeats the status ("HTTP 404").
  if (state.last_error && !state.last_error->empty() &&
      (!state.http_code || *state.last_error != fmt::format("HTTP {}", *state.http_code))) {
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
  Delivered delivered;
  for (const auto& c : store->feed_counts()) {
    delivered[c.key] = c.entries;
  }
  // Every user's own feeds (the admin's view needs them all), in owner, key order.
  const auto user_feeds = store->user_feeds("");
  web::Overview out;
  out.user = user_status(*store, *config, u->second, user_feeds);
  for (const auto& key : config->subscriptions(u->second.name)) {
    out.feeds.push_back(feed_status(config->feeds.at(key), states, delivered));
  }
  for (const auto& f : user_feeds) {
    if (f.owner == u->second.name) {
      out.feeds.push_back(feed_status(f, states, delivered, true));
    }
  }
  if (u->second.admin) {
    for (const auto& [key, feed] : config->feeds) {
      out.all_feeds.push_back(feed_status(feed, states, delivered));
    }
    for (const auto& f : user_feeds) {
      out.all_feeds.push_back(feed_status(f, states, delivered, false));
    }
    for (const auto& [name, other] : config->users) {
      out.all_users.push_back(user_status(*store, *config, other, user_feeds));
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
  if (listener_problems_) {
    for (const auto& p : listener_problems_()) {
      problems.push_back("listener down: " + p);
    }
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

void WebStatus::watch_listeners(ListenerProblems problems) {
  listener_problems_ = std::move(problems);
}

void WebStatus::refresh_feed_gauges() {
  const auto config = config_();
  auto store = open_reader_();
  const auto states = states_by_key(*store);
  std::array<double, 5> by_state{}; // indexed by web::FeedState
  for (const auto& [key, feed] : config->feeds) {
    ++by_state[static_cast<std::size_t>(feed_state_of(state_at(states, key, feed.url)))];
  }
  for (const auto& f : store->user_feeds("")) {
    const auto state = f.paused
                           ? web::FeedState::paused
                           : feed_state_of(state_at(states, user_feed_key(f.owner, f.key), f.url));
    ++by_state[static_cast<std::size_t>(state)];
  }
  const auto& m = metrics::handles();
  m.feeds_ok.set(by_state[static_cast<std::size_t>(web::FeedState::ok)]);
  m.feeds_failing.set(by_state[static_cast<std::size_t>(web::FeedState::failing)]);
  m.feeds_gone.set(by_state[static_cast<std::size_t>(web::FeedState::gone)]);
  m.feeds_paused.set(by_state[static_cast<std::size_t>(web::FeedState::paused)]);
}

} // namespace feedpop::gateway
