// The feeds.yaml loader's value readers: schema-checked mappings, scalars, lists,
// durations, sizes, paths and choices, each failing with file:line:col.

#include <algorithm>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

#include "common/ascii.hpp"
#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

namespace fs = std::filesystem;

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace

// A near miss: at most two edits, and fewer edits than the word has letters.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(ascii::lower(word), ascii::lower(candidate));
    if (d < best_distance && d < word.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best.empty() ? std::string{} : "; did you mean '" + best + "'?";
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : separator) + item;
  }
  return out;
}

// Keys that end up in mail addresses (`alice+lwn`) and Message-IDs: RFC 5322 dot-atom
// text restricted to a portable set.
bool is_mail_safe_name(const std::string& name, bool allow_at) {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [allow_at](unsigned char c) {
    return ascii::is_alnum(static_cast<char>(c)) || c == '.' || c == '_' || c == '-' ||
           (allow_at && c == '@');
  });
}

void Loader::fail(const ConfigMark& mark, const std::string& message) const {
  const int line = mark.line < 0 ? 1 : mark.line + 1;
  const int column = mark.column < 0 ? 1 : mark.column + 1;
  throw ConfigError(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                    message);
}

void Loader::fail(const Field& field, const std::string& message) const {
  const ConfigMark mark = field.value.mark();
  fail(mark.line < 0 || field.value.is_null() ? field.key.mark() : mark,
       field.path + ": " + message);
}

std::vector<Field> Loader::fields(const Field& field, const std::string& schema) {
  if (!field.value.is_map() && !field.value.is_null()) {
    fail(field, "expected a mapping of keys");
  }
  return fields(field.value, field.path, schema);
}

std::string Loader::text(const Field& field, const std::string& expected) const {
  if (!field.value.is_scalar()) {
    fail(field, "expected " + expected);
  }
  return std::string(field.value.scalar());
}

// The keys config_keys() allows directly under `schema` ("" for the top level), computed
// once per schema: fields() runs for each of 100,000 feeds.
const Loader::Schema& Loader::schema_of(const std::string& schema) {
  auto [it, inserted] = schemas_.try_emplace(schema);
  if (inserted) {
    const std::string prefix = schema.empty() ? "" : schema + ".";
    for (const auto& key : config_keys()) {
      if (key.rfind(prefix, 0) == 0 && key.find('.', prefix.size()) == std::string::npos) {
        it->second.allowed.push_back(key.substr(prefix.size()));
        it->second.any_name = it->second.any_name || it->second.allowed.back() == "*";
      }
    }
  }
  return it->second;
}

std::vector<Field> Loader::fields(const ConfigNode& map, const std::string& path,
                                  const std::string& schema) {
  const Schema& keys = schema_of(schema);
  std::vector<Field> out;
  if (map.is_null()) {
    return out;
  }
  out.reserve(map.size());
  // A mapping keeps both pairs of a repeated key, as yaml-cpp's nodes do, so a later
  // duplicate would be ignored silently: reject it here.
  std::unordered_map<std::string_view, int> seen;
  seen.reserve(map.size());
  for (const auto [key, value] : map.pairs()) {
    if (!key.is_scalar()) {
      fail(key.mark(), (path.empty() ? "" : path + ": ") + "expected a plain key");
    }
    std::string name(key.scalar());
    std::string child = path.empty() ? name : path + "." + name;
    if (auto [first, inserted] = seen.emplace(key.scalar(), key.mark().line + 1); !inserted) {
      fail(key.mark(), "duplicate key '" + child + "' (first defined on line " +
                           std::to_string(first->second) + ")");
    }
    if (!keys.any_name &&
        std::find(keys.allowed.begin(), keys.allowed.end(), name) == keys.allowed.end()) {
      std::string hint = did_you_mean(name, keys.allowed);
      if (hint.empty()) {
        hint = "; expected one of: " + join(keys.allowed, ", ");
      }
      fail(key.mark(), "unknown key '" + child + "'" + hint);
    }
    out.push_back(Field{std::move(name), std::move(child), key, value});
  }
  return out;
}

std::vector<ConfigNode> Loader::list(const Field& field, const std::string& expected) const {
  std::vector<ConfigNode> items;
  if (field.value.is_scalar()) {
    items.push_back(field.value); // a single item may be written without brackets
  } else if (field.value.is_sequence()) {
    items.reserve(field.value.size());
    for (const ConfigNode item : field.value.items()) {
      if (!item.is_scalar()) {
        fail(item.mark(), field.path + ": expected " + expected);
      }
      items.push_back(item);
    }
  } else if (!field.value.is_null()) {
    fail(field, "expected a list of " + expected);
  }
  return items;
}

std::uint64_t Loader::count(const Field& field, std::uint64_t min, std::uint64_t max) const {
  const auto value = parse_int<std::uint64_t>(text(field, "a whole number"));
  if (!value || *value < min || *value > max) {
    fail(field, "expected a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", got '" + std::string(field.value.scalar()) + "'");
  }
  return *value;
}

// yaml-cpp's own reading of a boolean (y/n, yes/no, true/false, on/off in lower, upper or
// capitalized case), so feeds.yaml keeps the booleans it has always accepted.
bool Loader::boolean(const Field& field) const {
  bool value = false;
  if (!field.value.is_scalar() ||
      !YAML::convert<bool>::decode(YAML::Node(std::string(field.value.scalar())), value)) {
    fail(field, "expected true or false");
  }
  return value;
}

std::chrono::seconds Loader::duration(const Field& field, bool zero_ok) const {
  const auto value = parse_duration(text(field, "a duration like 90s, 30m, 1h, 1d or 2w"));
  if (!value || (!zero_ok && value->count() == 0)) {
    fail(field, "bad duration '" + std::string(field.value.scalar()) +
                    "'; expected a number with a unit: 90s, 30m, 1h, 1d or 2w (e.g. 1h30m)" +
                    (zero_ok ? "" : ", more than zero"));
  }
  return *value;
}

std::uint64_t Loader::size(const Field& field) const {
  const auto value = parse_size(text(field, "a size like 10MB"));
  if (!value || *value == 0) {
    fail(field, "bad size '" + std::string(field.value.scalar()) +
                    "'; expected bytes or a number with a unit: 512KB, 10MB, 1GiB");
  }
  return *value;
}

fs::path Loader::path(const Field& field) const {
  const std::string value = text(field, "a file path");
  if (value.empty()) {
    fail(field, "expected a file path, got an empty string");
  }
  return (base_dir_ / value).lexically_normal();
}

std::vector<ListenAddress> Loader::addresses(const Field& field) const {
  std::vector<ListenAddress> out;
  for (const auto& item : list(field, "addresses like 127.0.0.1:1110 or [::1]:1110")) {
    const std::string text(item.scalar());
    const auto address = parse_listen_address(text);
    if (!address) {
      fail(item.mark(), field.path + ": bad address '" + text +
                            "'; expected IPv4:port (127.0.0.1:1110, *:110) or [IPv6]:port "
                            "([::1]:1110)");
    }
    out.push_back(*address);
  }
  return out;
}

} // namespace feedpop::gateway::config_detail
