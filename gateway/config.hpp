#pragma once
// The typed form of feeds.yaml (DESIGN.md "User-facing contract"). load_config() turns a
// file into a Config or throws ConfigError whose what() is "file:line:col: message".
// Every key accepted here is documented in docs/reference (feeds.yaml(5)).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "content/rules.hpp"

namespace feedpop::gateway {

struct ListenAddress {
  std::string host; // "127.0.0.1", "::1", "0.0.0.0"
  std::uint16_t port = 0;
  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

enum class PlaintextAuth { never, local, always };
enum class OnUpdate { ignore, redeliver };
enum class LogFormat { human, json };
enum class PrivateAddresses { allow, deny, allow_for_users };
enum class ContentMode { feed, full, automatic }; // feeds.yaml: feed | full | auto
enum class ImagesMode { link, inline_ };          // feeds.yaml: link | inline
enum class EnclosuresMode { link, attach };       // feeds.yaml: link | attach

struct Pop3Config {
  std::vector<ListenAddress> listen{{"127.0.0.1", 1110}};
  std::vector<ListenAddress> tls_listen{{"127.0.0.1", 1995}};
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  PlaintextAuth plaintext_auth = PlaintextAuth::local;
  std::size_t max_connections = 10000;
  std::size_t max_per_address = 64;
  bool lock_session = false;
  std::chrono::seconds idle_timeout{600}; // TRANSACTION autologout (RFC 1939 §3: ≥ 10 min)
  std::chrono::seconds login_timeout{60}; // AUTHORIZATION state
  std::chrono::seconds grace_period{10};  // SIGTERM: time given to sessions to QUIT
  unsigned threads = 0;                   // 0 = number of cores
  std::string view_separator = "+";       // alice+lwn
};

// SMTP submission (smtp/): where users send control mail (subscribe, list, ...).
struct SmtpConfig {
  std::vector<ListenAddress> listen{{"127.0.0.1", 1587}};     // STARTTLS
  std::vector<ListenAddress> tls_listen{{"127.0.0.1", 1465}}; // implicit TLS
  std::size_t max_message_size = 1024 * 1024;
};

struct FetchConfig {
  std::chrono::seconds interval{30 * 60};
  unsigned concurrency = 8;
  unsigned per_host = 2;
  std::chrono::seconds timeout{30};
  std::chrono::seconds connect_timeout{10};
  std::uint64_t max_size = 10 * 1000 * 1000;
  std::optional<std::string> user_agent;
  std::optional<std::string> proxy;
  std::optional<std::filesystem::path> ca_file;
  PrivateAddresses private_addresses = PrivateAddresses::allow;
  std::chrono::seconds max_backoff{24 * 3600};
  std::chrono::seconds notify_after{24 * 3600};
  ContentMode content = ContentMode::feed;
  ImagesMode images = ImagesMode::link;
  unsigned images_max_width = 0; // pixels; 0: images are inlined at their own size
  EnclosuresMode enclosures = EnclosuresMode::link;
  std::uint64_t enclosures_max_size = 20 * 1000 * 1000;
};

// The `web:` section: the status page, /healthz, /metrics and mail client setup.
struct WebConfig {
  std::vector<ListenAddress> listen{{"127.0.0.1", 8080}};
  std::vector<ListenAddress> tls_listen;    // same certificate as POP3
  std::optional<std::string> metrics_token; // from metrics_token or metrics_token_env
  std::size_t max_connections = 1000;
};

// `digest:` of a feed or a user (issue 18): one message per period instead of one per
// entry. Periods: ingest/digest.hpp.
struct DigestSetting {
  std::chrono::seconds every{24 * 3600}; // ≥ 1h; beyond a day, whole days
  std::chrono::seconds at{0};            // "HH:MM" into the local day
  std::string tz = "UTC";                // IANA time zone name
  friend bool operator==(const DigestSetting&, const DigestSetting&) = default;
};

struct FeedConfig {
  std::string key;
  std::string url;
  std::optional<std::string> title;
  std::optional<std::chrono::seconds> interval;
  std::optional<std::size_t> initial = 20; // nullopt = all
  std::vector<std::string> tags;
  std::optional<std::string> user_agent;
  std::optional<std::chrono::seconds> retention;
  std::optional<std::size_t> max_entries;
  OnUpdate on_update = OnUpdate::ignore;
  std::vector<std::string> include; // RE2 patterns, matched on title and content
  std::vector<std::string> exclude;
  std::optional<ContentMode> content;               // nullopt: fetch.content
  std::optional<std::string> content_selector;      // XPath 1.0
  std::optional<ImagesMode> images;                 // nullopt: fetch.images
  std::vector<content::Rule> rules;                 // feeds.*.rules (gateway/config_rules.cpp)
  std::optional<unsigned> images_max_width;         // nullopt: fetch.images_max_width; 0: none
  std::optional<DigestSetting> digest;              // its subscribers get digests
  int line = 0;                                     // where the feed is defined, for messages
  std::optional<EnclosuresMode> enclosures;         // nullopt: fetch.enclosures
  std::optional<std::uint64_t> enclosures_max_size; // nullopt: fetch.enclosures_max_size
};

struct UserConfig {
  std::string name;
  std::optional<std::string> password; // plaintext (from password or password_env)
  std::optional<std::string> scram;    // "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>"
  bool all_feeds = true;
  bool admin = false;                  // the status page shows every feed and user
  std::vector<std::string> feeds;      // when !all_feeds: feed keys, tags already expanded
  bool may_subscribe = false;          // may add feeds of their own (mail commands)
  std::size_t max_feeds = 100;         // ... up to this many
  std::optional<DigestSetting> digest; // one digest of all their feeds per period
  int line = 0;                        // where the user is defined, for messages
};

enum class StorageBackend { sqlite, postgresql };

// `storage:`: where entries and mailbox state live. SQLite (a file in data_dir) serves one
// node; PostgreSQL lets several nodes share one database, each feed polled by one node at
// a time under a lease (storage/store.hpp).
struct StorageConfig {
  StorageBackend backend = StorageBackend::sqlite;
  std::string postgresql_url;     // libpq connection string (url or url_env)
  std::chrono::seconds lease{60}; // a feed's poll lease; renewed at a third
  std::size_t pool_size = 4;      // PostgreSQL connections per node (StoreOptions::pool_size)
};

struct Config {
  std::filesystem::path source;   // the file it was loaded from
  std::filesystem::path data_dir; // absolute, resolved against the config's folder
  std::string hostname = "feedpop.localhost";
  std::string log_level = "info";
  Pop3Config pop3;
  SmtpConfig smtp;
  FetchConfig fetch;
  StorageConfig storage;
  WebConfig web;
  std::map<std::string, FeedConfig> feeds;
  std::map<std::string, UserConfig> users;
  std::vector<content::Rule> rules; // global `rules:`, applied to every feed before its own

  // The feed keys user `name` reads (all feeds, or their list); empty for unknown users.
  std::vector<std::string> subscriptions(const std::string& name) const;
  // Mailbox views (`alice+lwn`, `alice+TAG`): the subscribed feeds that are `view` or
  // carry the tag `view` (a feed key wins over a tag of the same name). Empty when the
  // view names nothing the user reads.
  std::vector<std::string> view_feeds(const std::string& name, const std::string& view) const;
  // The subscribed feeds whose rules (global or their own) may tag entries `tag`: a tag
  // view shows those feeds' messages that carry the tag (gateway/tag_views.hpp).
  std::vector<std::string> rule_tag_feeds(const std::string& name, const std::string& tag) const;
  // A global rule may tag entries `tag` (of any feed, users' own feeds included).
  bool global_rule_tags(const std::string& tag) const;
};

class ConfigError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Throws ConfigError ("file:line:col: message", 1-based) on any mistake; nothing else
// escapes. Relative paths (data_dir, pop3.tls.*, fetch.ca_file, `file:` feed URLs) are
// resolved against the folder of `file` / `source_name`. password_env is read from the
// process environment at load time.
Config load_config(const std::filesystem::path& file);
Config parse_config(const std::string& text, const std::filesystem::path& source_name);

// Every accepted key as a dotted path ("pop3.limits.per_address", "feeds.*.url",
// "users.*.password_env"); intermediate maps are listed too ("pop3.limits"). The loader
// derives its unknown-key check from this list, so it is complete by construction.
const std::vector<std::string>& config_keys();

// The value syntaxes of feeds.yaml, exposed for the CLI and tests. Each returns nullopt
// when `text` is not of that form.
std::optional<std::chrono::seconds> parse_duration(const std::string& text); // 90s 1h30m 2w
std::optional<std::uint64_t> parse_size(const std::string& text);            // 10MB 1GiB 512
std::optional<ListenAddress> parse_listen_address(const std::string& text);  // [::1]:1110
// Why a SCRAM-SHA-256 verifier string is malformed, or nullopt when it is well formed.
std::optional<std::string> scram_format_error(const std::string& text);

} // namespace feedpop::gateway
