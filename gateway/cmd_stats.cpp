// `feedpop stats [--json]`: per-feed poll status and entry counts, per-user mailbox counts
// (DESIGN.md's JSON shape, extended with where a permanent redirect moved a feed).

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <tuple>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/digests.hpp"
#include "gateway/store_open.hpp"
#include "gateway/user_feeds.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

namespace {

nlohmann::json time_json(const std::optional<storage::Time>& t) {
  if (!t) {
    return nullptr;
  }
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", *t);
}

template <class T> nlohmann::json opt_json(const std::optional<T>& v) {
  if (!v) {
    return nullptr;
  }
  return *v;
}

nlohmann::json collect(const Config& config, storage::Store& store) {
  std::map<std::string, storage::FeedState> states;
  for (auto& s : store.feed_states()) {
    std::string key = s.key;
    states.emplace(std::move(key), std::move(s));
  }
  std::map<std::string, std::uint64_t> counts;
  for (const auto& c : store.feed_counts()) {
    counts[c.key] = c.entries;
  }
  // The config's feeds, then the users' own (key "owner/key"), each with its source.
  std::vector<std::tuple<std::string, std::string, std::string>> listed; // key, url, source
  for (const auto& [key, feed] : config.feeds) {
    listed.emplace_back(key, feed.url, "config");
  }
  const auto user_feeds = store.user_feeds("");
  for (const auto& f : user_feeds) {
    listed.emplace_back(user_feed_key(f.owner, f.key), f.url, "user");
  }
  nlohmann::json feeds = nlohmann::json::array();
  for (const auto& [key, url, source] : listed) {
    storage::FeedState s;
    if (auto it = states.find(key); it != states.end() && it->second.config_url == url) {
      s = it->second;
    } else {
      s.url = url; // never polled at this URL
    }
    const auto& config_url = url;
    feeds.push_back({{"key", key},
                     {"source", source},
                     {"url", s.url},
                     {"config_url", config_url},
                     {"redirected", s.url != config_url},
                     {"entries", counts[key]},
                     {"last_status", s.disabled ? std::string("gone") : s.last_status},
                     {"http_code", opt_json(s.http_code)},
                     {"last_error", opt_json(s.last_error)},
                     {"consecutive_failures", s.consecutive_failures},
                     {"failing_since", time_json(s.failing_since)},
                     {"last_poll", time_json(s.last_poll)},
                     {"last_success", time_json(s.last_success)},
                     {"next_poll", time_json(s.next_poll)},
                     {"disabled", s.disabled}});
  }
  nlohmann::json users = nlohmann::json::array();
  for (const auto& [name, user] : config.users) {
    const auto c = store.user_counts(name, mailbox_keys(config, name, user_feeds));
    users.push_back({{"name", name}, {"visible", c.visible}, {"deleted", c.deleted}});
  }
  return {{"feeds", feeds}, {"users", users}};
}

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) {
    return "-";
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void print_human(const nlohmann::json& j) {
  std::cout << fmt::format("{:<24} {:<6} {:<13} {:>4} {:>8} {:>5}  {:<20}  {}\n", "FEED", "SOURCE",
                           "STATUS", "HTTP", "ENTRIES", "FAILS", "NEXT POLL", "URL");
  for (const auto& f : j["feeds"]) {
    std::string url = f["url"].get<std::string>();
    if (f["redirected"].get<bool>()) {
      url += " (moved from " + f["config_url"].get<std::string>() + ")";
    }
    std::cout << fmt::format("{:<24} {:<6} {:<13} {:>4} {:>8} {:>5}  {:<20}  {}\n", cell(f["key"]),
                             cell(f["source"]), cell(f["last_status"]), cell(f["http_code"]),
                             cell(f["entries"]), cell(f["consecutive_failures"]),
                             cell(f["next_poll"]), url);
    if (!f["last_error"].is_null()) {
      std::cout << fmt::format("{:<24} error: {}\n", "", cell(f["last_error"]));
    }
  }
  std::cout << fmt::format("\n{:<24} {:>8} {:>8}\n", "USER", "VISIBLE", "DELETED");
  for (const auto& u : j["users"]) {
    std::cout << fmt::format("{:<24} {:>8} {:>8}\n", cell(u["name"]), cell(u["visible"]),
                             cell(u["deleted"]));
  }
}

} // namespace

void add_stats_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand("stats", "Feeds, entries, per-user counts, last poll status");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Print JSON (DESIGN.md's shape) instead of a table");
  cmd->callback([&global, &status, json] {
    try {
      const Config config = load_config(global.config);
      if (!store_exists(config)) {
        std::cerr << "feedpop: stats: no database at " << store_description(config)
                  << " yet (run `feedpop fetch --once` or `feedpop serve`)\n";
        status = exit_runtime;
        return;
      }
      auto store = open_store(config, storage::Role::reader);
      const nlohmann::json j = collect(config, *store);
      if (*json) {
        std::cout << j.dump(2) << '\n';
      } else {
        print_human(j);
      }
      status = exit_ok;
    } catch (const ConfigError& e) {
      std::cerr << e.what() << '\n';
      status = exit_config;
    } catch (const std::exception& e) {
      std::cerr << "feedpop: stats: " << e.what() << '\n';
      status = exit_runtime;
    }
  });
}

} // namespace feedpop::gateway
