#pragma once
// The feeds.yaml loader's internals, shared by the config_*.cpp files (one per section):
// a YAML mapping walked field by field, each value checked against the schema of
// config_keys(), every mistake a ConfigError "file:line:col: message". Not for use
// outside gateway/config*.cpp.

#include <charconv>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/config_tree.hpp"

namespace feedpop::gateway::config_detail {

// One key/value pair of a mapping, with the dotted path of the value ("feeds.lwn.url").
struct Field {
  std::string name;
  std::string path;
  ConfigNode key;
  ConfigNode value;
};

template <typename Int> std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

// Feed keys and their ordinals (0, 1, ... in the order added): an open-addressing table of
// (hash, ordinal) over the keys' text in one buffer. 10,000 users' lists of a 100,000-feed
// file look up 532,000 items; a lookup here touches two dense arrays instead of a hash
// node and a std::map node spread over the whole heap.
class KeyIndex {
public:
  void add(std::string_view key);
  std::optional<std::uint32_t> find(std::string_view key) const;
  std::string_view key(std::uint32_t ordinal) const;
  std::size_t size() const { return ends_.size(); }

private:
  static constexpr std::uint32_t empty = ~std::uint32_t{0};
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t ordinal = empty;
  };
  void insert(std::uint32_t ordinal);

  std::string text_;
  std::vector<std::size_t> ends_; // key i is text_[ends_[i - 1], ends_[i])
  std::vector<Slot> slots_;       // a power of two, at most half full
};

// "; did you mean 'x'?" for a near miss among `candidates`, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);
std::string join(const std::vector<std::string>& items, const std::string& separator);

// Keys that end up in mail addresses (`alice+lwn`) and Message-IDs: RFC 5322 dot-atom
// text restricted to a portable set.
bool is_mail_safe_name(const std::string& name, bool allow_at);

class Loader {
public:
  Loader(std::string source, std::filesystem::path base_dir)
      : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  Config load(const ConfigNode& root); // config.cpp

private:
  // Value readers (config_yaml.cpp).
  [[noreturn]] void fail(const ConfigMark& mark, const std::string& message) const;
  // An empty value (`key:`) has no position of its own: points at its key instead.
  [[noreturn]] void fail(const Field& field, const std::string& message) const;

  struct Schema {
    std::vector<std::string> allowed; // key names, or "*" for user-chosen names
    bool any_name = false;
  };
  const Schema& schema_of(const std::string& schema);
  std::vector<Field> fields(const ConfigNode& map, const std::string& path,
                            const std::string& schema);
  std::vector<Field> fields(const Field& field, const std::string& schema);

  std::string text(const Field& field, const std::string& expected = "a string") const;
  std::vector<ConfigNode> list(const Field& field, const std::string& expected) const;
  std::uint64_t count(const Field& field, std::uint64_t min, std::uint64_t max) const;
  bool boolean(const Field& field) const;
  std::chrono::seconds duration(const Field& field, bool zero_ok = false) const;
  std::uint64_t size(const Field& field) const;
  std::filesystem::path path(const Field& field) const;
  template <typename E>
  E choice(const Field& field, const std::vector<std::pair<std::string, E>>& options) const;
  std::vector<ListenAddress> addresses(const Field& field) const;

  // Sections, one file each.
  void load_pop3(const Field& field, Pop3Config& pop3);          // config_pop3.cpp
  void load_fetch(const Field& field, FetchConfig& fetch);       // config_fetch.cpp
  void load_smtp(const Field& field, SmtpConfig& smtp);          // config_smtp.cpp
  void load_storage(const Field& field, StorageConfig& storage); // config_storage.cpp
  void load_web(const Field& field, WebConfig& web);             // config_web.cpp
  FeedConfig load_feed(const Field& field);                      // config_feeds.cpp
  std::string feed_url(const Field& field) const;
  std::vector<std::string> patterns(const Field& field) const;
  ContentMode content_mode(const Field& field) const;
  ImagesMode images_mode(const Field& field) const;
  std::vector<content::Rule> rules(const Field& field) const; // config_rules.cpp
  content::Rule rule(const ConfigNode& item, const std::string& path) const;
  void rule_conditions(const Field& field, content::Rule& rule) const;
  void rule_action(const Field& field, content::Rule& rule) const;
  void rule_replace(const Field& field, content::Rule& rule) const;
  unsigned images_max_width(const Field& field) const; // 0: none
  EnclosuresMode enclosures_mode(const Field& field) const;
  UserConfig load_user(const Field& field, const Config& config); // config_users.cpp
  DigestSetting digest(const Field& field);                       // config_digest.cpp
  // Feed keys by key and by tag, built once from config.feeds for every user's list
  // (config_users.cpp): 10,000 users of 100,000 feeds must not scan the feeds once per
  // user and tag, nor walk a 100,000-key tree for each item. A feed is known by its ordinal
  // in config.feeds; listed_ marks the feeds already in the list being read.
  void index_feeds(const Config& config);
  std::vector<std::string> subscribed(const Field& field, const Config& config);
  KeyIndex feed_keys_;
  std::unordered_map<std::string_view, std::vector<std::uint32_t>> tag_index_;
  std::vector<std::uint32_t> listed_;
  std::uint32_t list_stamp_ = 0;
  bool feeds_indexed_ = false;
  std::unordered_map<std::string, Schema> schemas_;

  std::string source_;
  std::filesystem::path base_dir_;
};

template <typename E>
E Loader::choice(const Field& field, const std::vector<std::pair<std::string, E>>& options) const {
  std::vector<std::string> names;
  for (const auto& [name, value] : options) {
    names.push_back(name);
  }
  const std::string value = text(field, "one of " + join(names, ", "));
  for (const auto& [name, option] : options) {
    if (value == name) {
      return option;
    }
  }
  std::string hint = did_you_mean(value, names);
  fail(field, "unknown value '" + value + "'" +
                  (hint.empty() ? "; expected one of: " + join(names, ", ") : hint));
}

} // namespace feedpop::gateway::config_detail
