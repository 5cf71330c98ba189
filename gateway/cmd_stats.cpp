// `feedpop stats [--json]`: per-feed poll status and entry counts, per-user mailbox counts
// (DESIGN.md's JSON shape, extended with where a permanent redirect moved a feed).
//
// Scale (100,000 feeds, 10,000 users): the store hands over every feed, then every user's
// deletions, in two grouped reads (Store::each_feed_summary, each_user_deletions), merged
// with the configuration in key order; a user's counts are sums over their mailbox keys.
// Rows are written as they come, so no more than one feed's row is held at a time.

#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

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

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) {
    return "-";
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The table, or DESIGN.md's JSON ({"feeds": [...], "users": [...]}) byte for byte as
// nlohmann::json's dump(2) of the whole document, written one row at a time.
class StatsWriter {
public:
  explicit StatsWriter(bool json) : json_(json) {}

  void feed(const nlohmann::json& f) {
    if (json_) {
      json_item(f);
      return;
    }
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
  void user(const nlohmann::json& u) {
    if (json_) {
      json_item(u);
      return;
    }
    std::cout << fmt::format("{:<24} {:>8} {:>8}\n", cell(u["name"]), cell(u["visible"]),
                             cell(u["deleted"]));
  }
  void begin_feeds() {
    if (json_) {
      std::cout << "{\n  \"feeds\": [";
    } else {
      std::cout << fmt::format("{:<24} {:<6} {:<13} {:>4} {:>8} {:>5}  {:<20}  {}\n", "FEED",
                               "SOURCE", "STATUS", "HTTP", "ENTRIES", "FAILS", "NEXT POLL", "URL");
    }
  }
  void begin_users() {
    if (json_) {
      end_array();
      std::cout << ",\n  \"users\": [";
    } else {
      std::cout << fmt::format("\n{:<24} {:>8} {:>8}\n", "USER", "VISIBLE", "DELETED");
    }
  }
  void end() {
    if (json_) {
      end_array();
      std::cout << "\n}\n";
    }
  }

private:
  // An element of a top-level array: its dump(2) indented by two levels (JSON strings hold
  // no raw line feed, so every '\n' starts a line of the element).
  void json_item(const nlohmann::json& item) {
    std::string text = item.dump(2);
    std::string out = items_ == 0 ? "\n    " : ",\n    ";
    out.reserve(out.size() + text.size() * 2);
    for (const char c : text) {
      out += c;
      if (c == '\n') {
        out += "    ";
      }
    }
    std::cout << out;
    ++items_;
  }
  void end_array() {
    std::cout << (items_ == 0 ? "]" : "\n  ]");
    items_ = 0;
  }

  bool json_;
  std::size_t items_ = 0; // elements written to the current array
};

nlohmann::json feed_row(const std::string& key, const std::string& config_url, const char* source,
                        const storage::FeedSummary* stored) {
  storage::FeedState never;
  never.url = config_url; // never polled at this URL
  const storage::FeedState& s =
      stored != nullptr && stored->state.config_url == config_url ? stored->state : never;
  return {{"key", key},
          {"source", source},
          {"url", s.url},
          {"config_url", config_url},
          {"redirected", s.url != config_url},
          {"entries", stored != nullptr ? stored->entries : 0},
          {"last_status", s.disabled ? std::string("gone") : s.last_status},
          {"http_code", opt_json(s.http_code)},
          {"last_error", opt_json(s.last_error)},
          {"consecutive_failures", s.consecutive_failures},
          {"failing_since", time_json(s.failing_since)},
          {"last_poll", time_json(s.last_poll)},
          {"last_success", time_json(s.last_success)},
          {"next_poll", time_json(s.next_poll)},
          {"disabled", s.disabled}};
}

using ListedCounts = std::unordered_map<std::string, std::uint64_t>; // feed key → listed

// The config's feeds (key order), then the users' own (as user_feeds lists them; key
// "owner/key"), each with its source. Returns the listed entries of every stored feed.
ListedCounts write_feeds(const Config& config, storage::Store& store,
                         const std::vector<storage::UserFeed>& user_feeds, StatsWriter& out) {
  ListedCounts listed;
  std::unordered_set<std::string> own_keys;
  for (const auto& f : user_feeds) {
    own_keys.insert(user_feed_key(f.owner, f.key));
  }
  std::unordered_map<std::string, storage::FeedSummary> own; // written after the config's
  auto next = config.feeds.begin();
  // Both in bytewise key order: a merge. Config feeds the store lacks were never polled.
  store.each_feed_summary([&](const storage::FeedSummary& s) {
    const std::string& key = s.state.key;
    for (; next != config.feeds.end() && next->first < key; ++next) {
      out.feed(feed_row(next->first, next->second.url, "config", nullptr));
    }
    if (next != config.feeds.end() && next->first == key) {
      out.feed(feed_row(key, next->second.url, "config", &s));
      ++next;
    } else if (own_keys.contains(key)) {
      own.emplace(key, s);
    }
    if (s.listed > 0) {
      listed.emplace(key, s.listed);
    }
  });
  for (; next != config.feeds.end(); ++next) {
    out.feed(feed_row(next->first, next->second.url, "config", nullptr));
  }
  for (const auto& f : user_feeds) {
    const std::string key = user_feed_key(f.owner, f.key);
    const auto it = own.find(key);
    out.feed(feed_row(key, f.url, "user", it != own.end() ? &it->second : nullptr));
  }
  return listed;
}

// A user's Store::user_counts() over their mailbox keys (each added once), from the
// grouped reads.
class UserTally {
public:
  UserTally(const ListedCounts& listed, const storage::UserDeletions* deletions) : listed_(listed) {
    if (deletions != nullptr) {
      for (const auto& [key, count] : deletions->feeds) {
        deleted_by_feed_.emplace(key, count);
      }
    }
  }
  void add(const std::string& key) {
    if (const auto it = listed_.find(key); it != listed_.end()) {
      stored_ += it->second;
    }
    if (const auto it = deleted_by_feed_.find(key); it != deleted_by_feed_.end()) {
      deleted_ += it->second;
    }
  }
  // Every configuration feed; `listed` is their listed entries summed. Costs the user's
  // deletion rows, not the number of feeds.
  void add_config_feeds(const Config& config, std::uint64_t listed) {
    stored_ += listed;
    for (const auto& [key, count] : deleted_by_feed_) {
      if (config.feeds.count(std::string(key)) != 0) {
        deleted_ += count;
      }
    }
  }
  nlohmann::json row(const std::string& name) const {
    return {{"name", name}, {"visible", stored_ - deleted_}, {"deleted", deleted_}};
  }

private:
  const ListedCounts& listed_;
  std::unordered_map<std::string_view, std::uint64_t> deleted_by_feed_;
  std::uint64_t stored_ = 0;
  std::uint64_t deleted_ = 0;
};

// Counts users over mailbox_keys(): the keys a POP3 login lists.
class UserCounter {
public:
  UserCounter(const Config& config, const std::vector<storage::UserFeed>& user_feeds,
              const ListedCounts& listed)
      : config_(config), listed_(listed) {
    for (const auto& f : user_feeds) {
      by_owner_[f.owner].push_back(f); // mailbox_keys() scans the whole list it is given
    }
    for (const auto& [key, feed] : config.feeds) {
      feed_digests_ = feed_digests_ || feed.digest.has_value();
      if (const auto it = listed.find(key); it != listed.end()) {
        config_listed_ += it->second;
      }
    }
  }

  nlohmann::json row(const std::string& name, const UserConfig& user,
                     const storage::UserDeletions* deletions) const {
    const auto found = by_owner_.find(name);
    const auto& own = found != by_owner_.end() ? found->second : none_;
    UserTally tally(listed_, deletions);
    if (feed_digests_ || user.digest) {
      for (const auto& key : mailbox_keys(config_, name, own)) {
        tally.add(key);
      }
      return tally.row(name);
    }
    // No digest applies, so mailbox_keys() is the subscriptions, the user's own feeds and
    // control feed, and their digest key, unchanged (digests.hpp); summed here without
    // looking every subscription up in the feed map or copying `feeds: all`.
    if (user.all_feeds) {
      tally.add_config_feeds(config_, config_listed_);
    } else {
      for (const auto& key : user.feeds) {
        tally.add(key);
      }
    }
    for (const auto& key : user_mailbox_keys(own, name)) {
      tally.add(key);
    }
    tally.add(user_digest_key(name));
    return tally.row(name);
  }

private:
  const Config& config_;
  const ListedCounts& listed_;
  std::unordered_map<std::string, std::vector<storage::UserFeed>> by_owner_;
  const std::vector<storage::UserFeed> none_;
  bool feed_digests_ = false;
  std::uint64_t config_listed_ = 0; // all configuration feeds' listed entries
};

void write_users(const Config& config, storage::Store& store,
                 const std::vector<storage::UserFeed>& user_feeds, const ListedCounts& listed,
                 StatsWriter& out) {
  const UserCounter counter(config, user_feeds, listed);
  auto next = config.users.begin();
  // Both in bytewise name order: a merge. Users the config no longer names are skipped.
  store.each_user_deletions([&](const storage::UserDeletions& d) {
    for (; next != config.users.end() && next->first < d.user; ++next) {
      out.user(counter.row(next->first, next->second, nullptr));
    }
    if (next != config.users.end() && next->first == d.user) {
      out.user(counter.row(next->first, next->second, &d));
      ++next;
    }
  });
  for (; next != config.users.end(); ++next) {
    out.user(counter.row(next->first, next->second, nullptr));
  }
}

void write_stats(const Config& config, storage::Store& store, bool json) {
  const auto user_feeds = store.user_feeds("");
  StatsWriter out(json);
  out.begin_feeds();
  const ListedCounts listed = write_feeds(config, store, user_feeds, out);
  out.begin_users();
  write_users(config, store, user_feeds, listed, out);
  out.end();
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
      write_stats(config, *store, *json);
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
