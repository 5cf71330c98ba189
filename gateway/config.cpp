#include "gateway/config.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <yaml-cpp/yaml.h>

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
      "fetch.max_backoff",
      "fetch.notify_after",
      "users",
      "users.*",
      "users.*.password",
      "users.*.password_env",
      "users.*.scram",
      "users.*.feeds",
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
  };
  return keys;
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

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

// A near miss: at most two edits, and fewer edits than the word has letters.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(lower(word), lower(candidate));
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

template <typename Int> std::optional<Int> parse_int(std::string_view text) {
  Int value{};
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

// Strict base64 (RFC 4648 §4, padded); the decoded length, or nullopt.
std::optional<std::size_t> base64_decoded_size(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '=') {
      if (i + 2 < text.size()) {
        return std::nullopt;
      }
      ++padding;
    } else if (padding > 0 || !(std::isalnum(c) || c == '+' || c == '/')) {
      return std::nullopt;
    }
  }
  return text.size() / 4 * 3 - padding;
}

// Keys that end up in mail addresses (`alice+lwn`) and Message-IDs: RFC 5322 dot-atom
// text restricted to a portable set.
bool is_mail_safe_name(const std::string& name, bool allow_at) {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [allow_at](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || (allow_at && c == '@');
  });
}

std::string percent_encode_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
    }
    if (i == start || i == text.size() || i - start > 9) {
      return std::nullopt; // a number without unit, or an absurd one
    }
    const std::uint64_t number =
        *parse_int<std::uint64_t>(std::string_view(text).substr(start, i - start));
    std::uint64_t unit = 0;
    switch (text[i]) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return std::nullopt;
    }
    ++i;
    total += number * unit;
    if (total > 10ULL * 365 * 86400) {
      return std::nullopt; // ten years: certainly a typo
    }
  }
  return std::chrono::seconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
    ++i;
  }
  if (i == 0 || i > 15) {
    return std::nullopt;
  }
  const std::uint64_t number = *parse_int<std::uint64_t>(std::string_view(text).substr(0, i));
  static const std::array<std::pair<const char*, std::uint64_t>, 9> units = {{
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000ULL * 1000 * 1000},
      {"tb", 1000ULL * 1000 * 1000 * 1000},
      {"kib", 1024},
      {"mib", 1024 * 1024},
      {"gib", 1024ULL * 1024 * 1024},
      {"tib", 1024ULL * 1024 * 1024 * 1024},
  }};
  const std::string unit = lower(text.substr(i));
  if (unit.empty()) {
    return number;
  }
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      return number * factor; // ≤ 10^15 · 2^40 would overflow; 15 digits of TiB is absurd
    }
  }
  return std::nullopt;
}

std::optional<ListenAddress> parse_listen_address(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) {
      return std::nullopt;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host == "*") {
      host = "0.0.0.0";
    } else if (host == "localhost") {
      host = "127.0.0.1";
    }
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1) {
      return std::nullopt;
    }
  }
  const auto number = parse_int<std::uint16_t>(port);
  if (!number) {
    return std::nullopt;
  }
  return ListenAddress{host, *number};
}

std::optional<std::string> scram_format_error(const std::string& text) {
  const std::string prefix = "SCRAM-SHA-256$";
  if (text.rfind(prefix, 0) != 0) {
    return "expected a verifier starting with 'SCRAM-SHA-256$' (see `feedpop passwd`)";
  }
  const std::string rest = text.substr(prefix.size());
  const auto dollar = rest.find('$');
  const auto colon1 = rest.find(':');
  const auto colon2 = rest.find(':', dollar == std::string::npos ? rest.size() : dollar);
  if (dollar == std::string::npos || colon1 > dollar || colon2 == std::string::npos) {
    return "expected 'SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>'";
  }
  const auto iterations = parse_int<std::uint32_t>(rest.substr(0, colon1));
  // RFC 7677 §4: at least 4096 iterations; beyond ten million a login takes seconds.
  if (!iterations || *iterations < 4096 || *iterations > 10'000'000) {
    return "the iteration count must be a number from 4096 to 10000000 (RFC 7677 §4)";
  }
  const auto salt = base64_decoded_size(rest.substr(colon1 + 1, dollar - colon1 - 1));
  if (!salt || *salt < 8) {
    return "the salt must be base64 of at least 8 bytes";
  }
  const auto stored = base64_decoded_size(rest.substr(dollar + 1, colon2 - dollar - 1));
  const auto server = base64_decoded_size(rest.substr(colon2 + 1));
  if (!stored || !server || *stored != 32 || *server != 32) {
    return "StoredKey and ServerKey must each be base64 of 32 bytes (SHA-256)";
  }
  return std::nullopt;
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

} // namespace feedpop::gateway

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

// One key/value pair of a mapping, with the dotted path of the value ("feeds.lwn.url").
struct Field {
  std::string name;
  std::string path;
  YAML::Node key;
  YAML::Node value;
};

class Loader {
public:
  Loader(std::string source, fs::path base_dir)
      : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  Config load(const YAML::Node& root);

private:
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const {
    const int line = mark.line < 0 ? 1 : mark.line + 1;
    const int column = mark.column < 0 ? 1 : mark.column + 1;
    throw ConfigError(source_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                      message);
  }
  // An empty value (`key:`) has no position of its own: point at its key instead.
  [[noreturn]] void fail(const Field& field, const std::string& message) const {
    const YAML::Mark mark = field.value.Mark();
    fail(mark.line < 0 || field.value.IsNull() ? field.key.Mark() : mark,
         field.path + ": " + message);
  }

  std::vector<Field> fields(const YAML::Node& map, const std::string& path,
                            const std::string& schema);
  std::vector<Field> fields(const Field& field, const std::string& schema) {
    if (!field.value.IsMap() && !field.value.IsNull()) {
      fail(field, "expected a mapping of keys");
    }
    return fields(field.value, field.path, schema);
  }

  std::string text(const Field& field, const std::string& expected = "a string") const {
    if (!field.value.IsScalar()) {
      fail(field, "expected " + expected);
    }
    return field.value.Scalar();
  }
  std::vector<YAML::Node> list(const Field& field, const std::string& expected) const;
  std::uint64_t count(const Field& field, std::uint64_t min, std::uint64_t max) const;
  bool boolean(const Field& field) const;
  std::chrono::seconds duration(const Field& field, bool zero_ok = false) const;
  std::uint64_t size(const Field& field) const;
  fs::path path(const Field& field) const;
  template <typename E>
  E choice(const Field& field, const std::vector<std::pair<std::string, E>>& options) const;
  std::vector<ListenAddress> addresses(const Field& field) const;

  void load_pop3(const Field& field, Pop3Config& pop3);
  void load_fetch(const Field& field, FetchConfig& fetch);
  FeedConfig load_feed(const Field& field);
  std::string feed_url(const Field& field) const;
  std::vector<std::string> patterns(const Field& field) const;
  UserConfig load_user(const Field& field, const Config& config);

  std::string source_;
  fs::path base_dir_;
};

std::vector<Field> Loader::fields(const YAML::Node& map, const std::string& path,
                                  const std::string& schema) {
  std::vector<std::string> allowed;
  bool any_name = false;
  const std::string prefix = schema.empty() ? "" : schema + ".";
  for (const auto& key : config_keys()) {
    if (key.rfind(prefix, 0) == 0 && key.find('.', prefix.size()) == std::string::npos) {
      allowed.push_back(key.substr(prefix.size()));
      any_name = any_name || allowed.back() == "*";
    }
  }
  std::vector<Field> out;
  if (map.IsNull()) {
    return out;
  }
  // yaml-cpp keeps both pairs of a repeated key and lookups return the first one, so a
  // later duplicate would be ignored silently: reject it here.
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      fail(key.Mark(), (path.empty() ? "" : path + ": ") + "expected a plain key");
    }
    const std::string name = key.Scalar();
    const std::string child = path.empty() ? name : path + "." + name;
    if (auto [first, inserted] = seen.emplace(name, key.Mark().line + 1); !inserted) {
      fail(key.Mark(), "duplicate key '" + child + "' (first defined on line " +
                           std::to_string(first->second) + ")");
    }
    if (!any_name && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string hint = did_you_mean(name, allowed);
      if (hint.empty()) {
        hint = "; expected one of: " + join(allowed, ", ");
      }
      fail(key.Mark(), "unknown key '" + child + "'" + hint);
    }
    out.push_back(Field{name, child, key, it->second});
  }
  return out;
}

std::vector<YAML::Node> Loader::list(const Field& field, const std::string& expected) const {
  std::vector<YAML::Node> items;
  if (field.value.IsScalar()) {
    items.push_back(field.value); // a single item may be written without brackets
  } else if (field.value.IsSequence()) {
    for (const auto& item : field.value) {
      if (!item.IsScalar()) {
        fail(item.Mark(), field.path + ": expected " + expected);
      }
      items.push_back(item);
    }
  } else if (!field.value.IsNull()) {
    fail(field, "expected a list of " + expected);
  }
  return items;
}

std::uint64_t Loader::count(const Field& field, std::uint64_t min, std::uint64_t max) const {
  const auto value = parse_int<std::uint64_t>(text(field, "a whole number"));
  if (!value || *value < min || *value > max) {
    fail(field, "expected a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", got '" + field.value.Scalar() + "'");
  }
  return *value;
}

bool Loader::boolean(const Field& field) const {
  bool value = false;
  if (!field.value.IsScalar() || !YAML::convert<bool>::decode(field.value, value)) {
    fail(field, "expected true or false");
  }
  return value;
}

std::chrono::seconds Loader::duration(const Field& field, bool zero_ok) const {
  const auto value = parse_duration(text(field, "a duration like 90s, 30m, 1h, 1d or 2w"));
  if (!value || (!zero_ok && value->count() == 0)) {
    fail(field, "bad duration '" + field.value.Scalar() +
                    "'; expected a number with a unit: 90s, 30m, 1h, 1d or 2w (e.g. 1h30m)" +
                    (zero_ok ? "" : ", more than zero"));
  }
  return *value;
}

std::uint64_t Loader::size(const Field& field) const {
  const auto value = parse_size(text(field, "a size like 10MB"));
  if (!value || *value == 0) {
    fail(field, "bad size '" + field.value.Scalar() +
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

std::vector<ListenAddress> Loader::addresses(const Field& field) const {
  std::vector<ListenAddress> out;
  for (const auto& item : list(field, "addresses like 127.0.0.1:1110 or [::1]:1110")) {
    const auto address = parse_listen_address(item.Scalar());
    if (!address) {
      fail(item.Mark(), field.path + ": bad address '" + item.Scalar() +
                            "'; expected IPv4:port (127.0.0.1:1110, *:110) or [IPv6]:port "
                            "([::1]:1110)");
    }
    out.push_back(*address);
  }
  return out;
}

void Loader::load_pop3(const Field& section, Pop3Config& pop3) {
  for (const auto& f : fields(section, "pop3")) {
    if (f.name == "listen") {
      pop3.listen = addresses(f);
    } else if (f.name == "tls_listen") {
      pop3.tls_listen = addresses(f);
    } else if (f.name == "tls") {
      for (const auto& t : fields(f, "pop3.tls")) {
        (t.name == "cert" ? pop3.tls_cert : pop3.tls_key) = path(t);
      }
      if (pop3.tls_cert.has_value() != pop3.tls_key.has_value()) {
        fail(f.key.Mark(), "pop3.tls: give both cert and key (or neither, for a generated "
                           "self-signed certificate)");
      }
    } else if (f.name == "plaintext_auth") {
      pop3.plaintext_auth = choice<PlaintextAuth>(f, {{"never", PlaintextAuth::never},
                                                      {"local", PlaintextAuth::local},
                                                      {"always", PlaintextAuth::always}});
    } else if (f.name == "limits") {
      for (const auto& l : fields(f, "pop3.limits")) {
        (l.name == "connections" ? pop3.max_connections : pop3.max_per_address) =
            count(l, 1, 1'000'000);
      }
    } else if (f.name == "lock_session") {
      pop3.lock_session = boolean(f);
    } else if (f.name == "timeouts") {
      for (const auto& t : fields(f, "pop3.timeouts")) {
        (t.name == "idle" ? pop3.idle_timeout : pop3.login_timeout) = duration(t);
      }
    } else if (f.name == "grace_period") {
      pop3.grace_period = duration(f, true);
    } else if (f.name == "threads") {
      pop3.threads = static_cast<unsigned>(count(f, 0, 1024));
    } else if (f.name == "view_separator") {
      const std::string value = text(f);
      // The separator splits `alice+lwn`; it must not be a character names may contain.
      const bool ok = !value.empty() && value.size() <= 4 &&
                      std::all_of(value.begin(), value.end(), [](unsigned char c) {
                        return std::ispunct(c) && c != '.' && c != '_' && c != '-' && c != '@';
                      });
      if (!ok) {
        fail(f, "expected 1 to 4 punctuation characters other than . _ - @ (e.g. '+')");
      }
      pop3.view_separator = value;
    }
  }
}

void Loader::load_fetch(const Field& section, FetchConfig& fetch) {
  for (const auto& f : fields(section, "fetch")) {
    if (f.name == "interval") {
      fetch.interval = duration(f);
    } else if (f.name == "concurrency") {
      fetch.concurrency = static_cast<unsigned>(count(f, 1, 1024));
    } else if (f.name == "per_host") {
      fetch.per_host = static_cast<unsigned>(count(f, 1, 1024));
    } else if (f.name == "timeout") {
      fetch.timeout = duration(f);
    } else if (f.name == "connect_timeout") {
      fetch.connect_timeout = duration(f);
    } else if (f.name == "max_size") {
      fetch.max_size = size(f);
    } else if (f.name == "user_agent") {
      fetch.user_agent = text(f);
    } else if (f.name == "proxy") {
      fetch.proxy = text(f);
    } else if (f.name == "ca_file") {
      fetch.ca_file = path(f);
    } else if (f.name == "max_backoff") {
      fetch.max_backoff = duration(f);
    } else if (f.name == "notify_after") {
      fetch.notify_after = duration(f);
    }
  }
}

// http(s) URLs are kept as written. `file:` URLs are made absolute: `file:relative/path`
// (no slashes after the colon) is relative to the config file's folder, so the shipped
// welcome feed works from any checkout; `file:///abs` and `file:/abs` are absolute.
std::string Loader::feed_url(const Field& field) const {
  const std::string url = text(field, "a URL");
  const auto colon = url.find(':');
  const std::string scheme = colon == std::string::npos ? "" : lower(url.substr(0, colon));
  const std::string rest = colon == std::string::npos ? "" : url.substr(colon + 1);
  if (scheme == "http" || scheme == "https") {
    if (rest.rfind("//", 0) != 0 || rest.size() <= 2 || rest[2] == '/' ||
        url.find_first_of(" \t\r\n") != std::string::npos) {
      fail(field, "bad URL '" + url + "'; expected " + scheme + "://host/path");
    }
    return url;
  }
  if (scheme != "file") {
    fail(field, "unsupported URL '" + url + "'; expected an http://, https:// or file: URL");
  }
  std::string file_path;
  if (rest.rfind("///", 0) == 0) {
    file_path = rest.substr(2);
  } else if (rest.rfind("//localhost/", 0) == 0) {
    file_path = rest.substr(11);
  } else if (rest.rfind("//", 0) == 0) {
    fail(field, "file URL '" + url +
                    "' names a host; use file:relative/path (relative to "
                    "the config file's folder) or file:///absolute/path");
  } else if (!rest.empty() && rest.front() == '/') {
    file_path = rest;
  } else if (!rest.empty()) {
    file_path = percent_encode_path((base_dir_ / rest).lexically_normal().string());
  } else {
    fail(field, "file URL '" + url + "' has no path");
  }
  return "file://" + file_path;
}

std::vector<std::string> Loader::patterns(const Field& field) const {
  std::vector<std::string> out;
  for (const auto& item : list(field, "regular expressions")) {
    try {
      std::regex compiled(item.Scalar(), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      fail(item.Mark(),
           field.path + ": bad regular expression '" + item.Scalar() + "': " + e.what());
    }
    out.push_back(item.Scalar());
  }
  return out;
}

FeedConfig Loader::load_feed(const Field& entry) {
  FeedConfig feed;
  feed.key = entry.name;
  feed.line = entry.key.Mark().line + 1;
  if (!is_mail_safe_name(feed.key, false)) {
    fail(entry.key.Mark(), "feed key '" + feed.key +
                               "' cannot be used in a mail address; use letters, digits, "
                               "'.', '_' and '-' (at most 64, no leading, trailing or double dot)");
  }
  bool has_url = false;
  for (const auto& f : fields(entry, "feeds.*")) {
    if (f.name == "url") {
      feed.url = feed_url(f);
      has_url = true;
    } else if (f.name == "title") {
      feed.title = text(f);
    } else if (f.name == "interval") {
      feed.interval = duration(f);
    } else if (f.name == "initial") {
      if (text(f, "a number or 'all'") == "all") {
        feed.initial = std::nullopt;
      } else {
        feed.initial = static_cast<std::size_t>(count(f, 0, 1'000'000));
      }
    } else if (f.name == "tags") {
      for (const auto& tag : list(f, "tags")) {
        if (!is_mail_safe_name(tag.Scalar(), false)) {
          fail(tag.Mark(), f.path + ": tag '" + tag.Scalar() +
                               "' cannot be used in a mail address; use letters, digits, "
                               "'.', '_' and '-'");
        }
        feed.tags.push_back(tag.Scalar());
      }
    } else if (f.name == "user_agent") {
      feed.user_agent = text(f);
    } else if (f.name == "retention") {
      feed.retention = duration(f);
    } else if (f.name == "max_entries") {
      feed.max_entries = static_cast<std::size_t>(count(f, 1, 100'000'000));
    } else if (f.name == "on_update") {
      feed.on_update =
          choice<OnUpdate>(f, {{"ignore", OnUpdate::ignore}, {"redeliver", OnUpdate::redeliver}});
    } else if (f.name == "include") {
      feed.include = patterns(f);
    } else if (f.name == "exclude") {
      feed.exclude = patterns(f);
    }
  }
  if (!has_url) {
    fail(entry.key.Mark(), "feed '" + feed.key + "' has no url (expected url: https://...)");
  }
  return feed;
}

UserConfig Loader::load_user(const Field& entry, const Config& config) {
  UserConfig user;
  user.name = entry.name;
  user.line = entry.key.Mark().line + 1;
  const std::string& separator = config.pop3.view_separator;
  if (!is_mail_safe_name(user.name, true) || user.name.find(separator) != std::string::npos) {
    fail(entry.key.Mark(), "user name '" + user.name +
                               "' is not usable as a POP3 login; use letters, digits, '.', "
                               "'_', '-' and '@' (the view separator '" +
                               separator + "' separates mailbox views)");
  }
  const Field* credential = nullptr;
  for (const auto& f : fields(entry, "users.*")) {
    if (f.name == "feeds") {
      if (f.value.IsScalar() && f.value.Scalar() == "all") {
        user.all_feeds = true;
        continue;
      }
      user.all_feeds = false;
      std::vector<std::string> names;
      for (const auto& [key, feed] : config.feeds) {
        names.push_back(key);
        names.insert(names.end(), feed.tags.begin(), feed.tags.end());
      }
      names.push_back("all");
      for (const auto& item : list(f, "feed keys or tags")) {
        const std::string& wanted = item.Scalar();
        std::vector<std::string> matched;
        if (config.feeds.count(wanted) != 0) {
          matched.push_back(wanted);
        } else {
          for (const auto& [key, feed] : config.feeds) {
            if (std::find(feed.tags.begin(), feed.tags.end(), wanted) != feed.tags.end()) {
              matched.push_back(key);
            }
          }
        }
        if (matched.empty()) {
          fail(item.Mark(),
               f.path + ": unknown feed or tag '" + wanted + "'" + did_you_mean(wanted, names));
        }
        for (const auto& key : matched) {
          if (std::find(user.feeds.begin(), user.feeds.end(), key) == user.feeds.end()) {
            user.feeds.push_back(key);
          }
        }
      }
      continue;
    }
    if (credential != nullptr) {
      fail(f.key.Mark(), f.path + ": give only one of password, password_env and scram ('" +
                             credential->name + "' is already set)");
    }
    credential = &f;
    if (f.name == "password") {
      user.password = text(f);
    } else if (f.name == "password_env") {
      const std::string variable = text(f, "an environment variable name");
      const char* value = std::getenv(variable.c_str());
      if (value == nullptr) {
        fail(f, "environment variable '" + variable + "' is not set");
      }
      if (*value == '\0') {
        fail(f, "environment variable '" + variable + "' is empty");
      }
      user.password = value;
    } else if (f.name == "scram") {
      user.scram = text(f, "a SCRAM-SHA-256 verifier");
      if (auto error = scram_format_error(*user.scram)) {
        fail(f, "bad scram verifier: " + *error);
      }
    }
  }
  if (credential == nullptr) {
    fail(entry.key.Mark(),
         "user '" + user.name + "' has no credential; expected password, password_env or scram");
  }
  return user;
}

Config Loader::load(const YAML::Node& root) {
  if (!root.IsMap() && !root.IsNull()) {
    fail(root.Mark(), "expected a mapping of keys (data_dir, pop3, fetch, users, feeds)");
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
  if (const Field* f = section("fetch")) {
    load_fetch(*f, config.fetch);
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

} // namespace

Config parse_config(const std::string& text, const std::filesystem::path& source_name) {
  const fs::path base_dir = fs::absolute(source_name).parent_path();
  Loader loader(source_name.string(), base_dir);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(source_name.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  }
  Config config = loader.load(root);
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
