#include "gateway/config.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <yaml-cpp/exceptions.h>

#include "gateway/config_loader.hpp"

namespace feedpop::gateway {

// The schema: every accepted key. A `*` segment is a user-chosen name (feed key, user).
// The loader checks unknown keys against this list, so feeds.yaml(5) and the loader
// cannot disagree about which keys exist.
const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = {
      "data_dir",
      "hostname",
      "log_level",
      "pop3",
      "pop3.listen",
      "pop3.tls_listen",
      "pop3.tls",
      "pop3.tls.cert",
      "pop3.tls.key",
      "pop3.plaintext_auth",
      "pop3.limits",
      "pop3.limits.connections",
      "pop3.limits.per_address",
      "pop3.lock_session",
      "pop3.timeouts",
      "pop3.timeouts.idle",
      "pop3.timeouts.login",
      "pop3.grace_period",
      "pop3.threads",
      "pop3.view_separator",
      "smtp",
      "smtp.listen",
      "smtp.tls_listen",
      "smtp.max_message_size",
      "fetch",
      "fetch.interval",
      "fetch.concurrency",
      "fetch.per_host",
      "fetch.timeout",
      "fetch.connect_timeout",
      "fetch.max_size",
      "fetch.user_agent",
      "fetch.proxy",
      "fetch.ca_file",
      "fetch.private_addresses",
      "fetch.max_backoff",
      "fetch.notify_after",
      "fetch.content",
      "fetch.images",
      "fetch.images_max_width",
      "fetch.enclosures",
      "fetch.enclosures_max_size",
      "storage",
      "storage.backend",
      "storage.postgresql",
      "storage.postgresql.url",
      "storage.postgresql.url_env",
      "storage.postgresql.lease",
      "web",
      "web.listen",
      "web.tls_listen",
      "web.metrics_token",
      "web.metrics_token_env",
      "web.limits",
      "web.limits.connections",
      "users",
      "users.*",
      "users.*.admin",
      "users.*.password",
      "users.*.password_env",
      "users.*.scram",
      "users.*.feeds",
      "users.*.may_subscribe",
      "users.*.max_feeds",
      "users.*.digest",
      "users.*.digest.every",
      "users.*.digest.at",
      "users.*.digest.tz",
      "feeds",
      "feeds.*",
      "feeds.*.url",
      "feeds.*.title",
      "feeds.*.interval",
      "feeds.*.initial",
      "feeds.*.tags",
      "feeds.*.user_agent",
      "feeds.*.retention",
      "feeds.*.max_entries",
      "feeds.*.on_update",
      "feeds.*.include",
      "feeds.*.exclude",
      "feeds.*.content",
      "feeds.*.content_selector",
      "feeds.*.images",
      "feeds.*.rules",
      "rules",
      "feeds.*.images_max_width",
      "feeds.*.enclosures",
      "feeds.*.enclosures_max_size",
      "feeds.*.digest",
      "feeds.*.digest.every",
      "feeds.*.digest.at",
      "feeds.*.digest.tz",
  };
  return keys;
}

std::vector<std::string> Config::subscriptions(const std::string& name) const {
  const auto user = users.find(name);
  if (user == users.end()) {
    return {};
  }
  if (!user->second.all_feeds) {
    return user->second.feeds;
  }
  std::vector<std::string> keys;
  for (const auto& [key, feed] : feeds) {
    keys.push_back(key);
  }
  return keys;
}

std::vector<std::string> Config::view_feeds(const std::string& name,
                                            const std::string& view) const {
  const auto subscribed = subscriptions(name);
  if (feeds.count(view) != 0) {
    if (std::find(subscribed.begin(), subscribed.end(), view) != subscribed.end()) {
      return {view};
    }
    return {};
  }
  std::vector<std::string> keys;
  for (const auto& key : subscribed) {
    const auto& tags = feeds.at(key).tags;
    if (std::find(tags.begin(), tags.end(), view) != tags.end()) {
      keys.push_back(key);
    }
  }
  return keys;
}

namespace config_detail {

Config Loader::load(const ConfigNode& root) {
  if (!root.is_map() && !root.is_null()) {
    fail(root.mark(), "expected a mapping of keys (data_dir, pop3, fetch, users, feeds)");
  }
  Config config;
  config.data_dir = (base_dir_ / "data").lexically_normal();
  // Sections are read in dependency order (users name feeds; user names must not
  // contain the view separator), whatever their order in the file.
  std::map<std::string, Field> sections;
  for (auto& f : fields(root, "", "")) {
    sections.emplace(f.name, std::move(f));
  }
  auto section = [&sections](const std::string& name) {
    const auto it = sections.find(name);
    return it == sections.end() ? nullptr : &it->second;
  };
  if (const Field* f = section("data_dir")) {
    config.data_dir = path(*f);
  }
  if (const Field* f = section("hostname")) {
    config.hostname = text(*f);
    if (!is_mail_safe_name(config.hostname, false) ||
        config.hostname.find('_') != std::string::npos) {
      fail(*f, "expected a host name like feedpop.example.org");
    }
  }
  if (const Field* f = section("log_level")) {
    config.log_level = choice<std::string>(*f, {{"trace", "trace"},
                                                {"debug", "debug"},
                                                {"info", "info"},
                                                {"warn", "warn"},
                                                {"error", "error"},
                                                {"critical", "critical"},
                                                {"off", "off"}});
  }
  if (const Field* f = section("pop3")) {
    load_pop3(*f, config.pop3);
  }
  if (const Field* f = section("smtp")) {
    load_smtp(*f, config.smtp);
  }
  if (const Field* f = section("fetch")) {
    load_fetch(*f, config.fetch);
  }
  if (const Field* f = section("storage")) {
    load_storage(*f, config.storage);
  }
  if (const Field* f = section("web")) {
    load_web(*f, config.web);
  }
  if (const Field* f = section("rules")) {
    config.rules = rules(*f);
  }
  if (const Field* f = section("feeds")) {
    for (const auto& entry : fields(*f, "feeds")) {
      config.feeds.emplace(entry.name, load_feed(entry));
    }
  }
  if (const Field* f = section("users")) {
    for (const auto& entry : fields(*f, "users")) {
      config.users.emplace(entry.name, load_user(entry, config));
    }
  }
  return config;
}

} // namespace config_detail

namespace fs = std::filesystem;

Config parse_config(const std::string& text, const std::filesystem::path& source_name) {
  const fs::path base_dir = fs::absolute(source_name).parent_path();
  config_detail::Loader loader(source_name.string(), base_dir);
  ConfigTree tree;
  try {
    tree = ConfigTree::parse(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(source_name.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  Config config = loader.load(tree.root());
  config.source = source_name;
  return config;
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(file.string() + ": cannot read the configuration file: " +
                      std::error_code(errno, std::generic_category()).message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), file);
}

} // namespace feedpop::gateway
