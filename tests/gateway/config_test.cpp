#include "config_errors_support.hpp"
#include "gateway/config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace feedpop::gateway {
namespace {

using test::error_of;
using test::expect_error;

namespace fs = std::filesystem;

// The error message of parsing `text` as "t.yaml", or "" when it loads.

// Asserts the error starts with "t.yaml:line:col: " and mentions `needle`.

const std::string minimal_feeds = "feeds:\n  lwn:\n    url: https://lwn.net/headlines/rss\n";

TEST(ConfigLoader, AnEmptyFileGivesTheDefaults) {
  const Config config = parse_config("", "/srv/feedpop/feeds.yaml");
  EXPECT_EQ(config.data_dir, fs::path("/srv/feedpop/data"));
  EXPECT_EQ(config.pop3.listen, (std::vector<ListenAddress>{{"127.0.0.1", 1110}}));
  EXPECT_EQ(config.pop3.plaintext_auth, PlaintextAuth::local);
  EXPECT_EQ(config.fetch.interval, std::chrono::minutes(30));
  EXPECT_TRUE(config.feeds.empty());
  EXPECT_TRUE(config.users.empty());
}

TEST(ConfigLoader, ReadsEveryKeyOfTheContract) {
  const Config config = parse_config(R"(
data_dir: state
hostname: pop.example.org
log_level: debug
pop3:
  listen: ["127.0.0.1:1110", "[::1]:1110", "*:110"]
  tls_listen: "[::]:995"
  tls: {cert: tls/cert.pem, key: /etc/key.pem}
  plaintext_auth: never
  limits: {connections: 50, per_address: 5}
  lock_session: yes
  timeouts: {idle: 15m, login: 30s}
  grace_period: 0s
  threads: 3
  view_separator: "#"
fetch:
  interval: 1h30m
  concurrency: 4
  per_host: 1
  timeout: 45s
  connect_timeout: 5s
  max_size: 1GiB
  user_agent: test-agent
  proxy: http://proxy:3128
  ca_file: ca.pem
  max_backoff: 2d
  notify_after: 1w
users:
  alice: {password: 12345, feeds: all}
  bob:
    scram: "SCRAM-SHA-256$4096:c2FsdHNhbHQ=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    feeds: [lwn, fun]
feeds:
  lwn:
    url: https://lwn.net/headlines/rss
    title: LWN
    interval: 2h
    initial: all
    tags: [linux, news]
    user_agent: ua
    retention: 4w
    max_entries: 100
    on_update: redeliver
    include: ["kernel"]
    exclude: ["^\\[\\$\\]"]
  xkcd: {url: "https://xkcd.com/atom.xml", tags: fun, initial: 3}
  comic.2: {url: "https://example.org/x", tags: [fun]}
)",
                                     "/etc/feedpop/feeds.yaml");
  EXPECT_EQ(config.data_dir, fs::path("/etc/feedpop/state"));
  EXPECT_EQ(config.hostname, "pop.example.org");
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.pop3.listen,
            (std::vector<ListenAddress>{{"127.0.0.1", 1110}, {"::1", 1110}, {"0.0.0.0", 110}}));
  EXPECT_EQ(config.pop3.tls_listen, (std::vector<ListenAddress>{{"::", 995}}));
  EXPECT_EQ(config.pop3.tls_cert, fs::path("/etc/feedpop/tls/cert.pem"));
  EXPECT_EQ(config.pop3.tls_key, fs::path("/etc/key.pem"));
  EXPECT_EQ(config.pop3.plaintext_auth, PlaintextAuth::never);
  EXPECT_EQ(config.pop3.max_connections, 50u);
  EXPECT_EQ(config.pop3.max_per_address, 5u);
  EXPECT_TRUE(config.pop3.lock_session);
  EXPECT_EQ(config.pop3.idle_timeout, std::chrono::minutes(15));
  EXPECT_EQ(config.pop3.login_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config.pop3.grace_period, std::chrono::seconds(0));
  EXPECT_EQ(config.pop3.threads, 3u);
  EXPECT_EQ(config.pop3.view_separator, "#");
  EXPECT_EQ(config.fetch.interval, std::chrono::minutes(90));
  EXPECT_EQ(config.fetch.concurrency, 4u);
  EXPECT_EQ(config.fetch.per_host, 1u);
  EXPECT_EQ(config.fetch.timeout, std::chrono::seconds(45));
  EXPECT_EQ(config.fetch.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(config.fetch.max_size, 1024ULL * 1024 * 1024);
  EXPECT_EQ(config.fetch.user_agent, "test-agent");
  EXPECT_EQ(config.fetch.proxy, "http://proxy:3128");
  EXPECT_EQ(config.fetch.ca_file, fs::path("/etc/feedpop/ca.pem"));
  EXPECT_EQ(config.fetch.max_backoff, std::chrono::hours(48));
  EXPECT_EQ(config.fetch.notify_after, std::chrono::hours(24 * 7));

  ASSERT_EQ(config.users.size(), 2u);
  EXPECT_EQ(config.users.at("alice").password, "12345");
  EXPECT_TRUE(config.users.at("alice").all_feeds);
  EXPECT_FALSE(config.users.at("bob").password.has_value());
  EXPECT_TRUE(config.users.at("bob").scram.has_value());
  EXPECT_FALSE(config.users.at("bob").all_feeds);
  // "fun" is a tag: it expands to the feeds carrying it, in key order, without repeats.
  EXPECT_EQ(config.subscriptions("bob"), (std::vector<std::string>{"lwn", "comic.2", "xkcd"}));
  EXPECT_EQ(config.subscriptions("alice"), (std::vector<std::string>{"comic.2", "lwn", "xkcd"}));
  EXPECT_TRUE(config.subscriptions("nobody").empty());

  const FeedConfig& lwn = config.feeds.at("lwn");
  EXPECT_EQ(lwn.key, "lwn");
  EXPECT_EQ(lwn.url, "https://lwn.net/headlines/rss");
  EXPECT_EQ(lwn.title, "LWN");
  EXPECT_EQ(lwn.interval, std::chrono::hours(2));
  EXPECT_FALSE(lwn.initial.has_value());
  EXPECT_EQ(lwn.tags, (std::vector<std::string>{"linux", "news"}));
  EXPECT_EQ(lwn.user_agent, "ua");
  EXPECT_EQ(lwn.retention, std::chrono::hours(24 * 28));
  EXPECT_EQ(lwn.max_entries, 100u);
  EXPECT_EQ(lwn.on_update, OnUpdate::redeliver);
  EXPECT_EQ(lwn.include, (std::vector<std::string>{"kernel"}));
  EXPECT_EQ(lwn.exclude, (std::vector<std::string>{"^\\[\\$\\]"}));
  EXPECT_EQ(lwn.line, 34);
  EXPECT_EQ(config.feeds.at("xkcd").initial, 3u);
  EXPECT_EQ(config.feeds.at("xkcd").tags, (std::vector<std::string>{"fun"}));
  EXPECT_EQ(config.feeds.at("xkcd").initial, std::optional<std::size_t>(3));
  EXPECT_EQ(config.feeds.at("comic.2").initial, std::optional<std::size_t>(20));
}

TEST(ConfigLoader, MailboxViewsSelectAFeedOrATagAmongTheUsersFeeds) {
  const Config config = parse_config(R"(
users:
  alice: {password: x, feeds: [a, b]}
feeds:
  a: {url: "https://a.example/", tags: [news]}
  b: {url: "https://b.example/", tags: [news, c]}
  c: {url: "https://c.example/", tags: [news]}
)",
                                     "t.yaml");
  EXPECT_EQ(config.view_feeds("alice", "a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(config.view_feeds("alice", "news"), (std::vector<std::string>{"a", "b"}));
  // A feed key wins over a tag of the same name, even when alice does not read it.
  EXPECT_TRUE(config.view_feeds("alice", "c").empty());
  EXPECT_TRUE(config.view_feeds("alice", "nothing").empty());
  EXPECT_TRUE(config.view_feeds("bob", "a").empty());
}

TEST(ConfigLoader, FileUrlsAreResolvedAgainstTheConfigFolder) {
  const Config config = parse_config(R"(
feeds:
  rel: {url: "file:share/welcome.xml"}
  up: {url: "file:../x y.xml"}
  abs: {url: "file:///srv/feed.xml"}
  one: {url: "file:/srv/one.xml"}
  host: {url: "file://localhost/srv/h.xml"}
)",
                                     "/repo/conf/feeds.yaml");
  EXPECT_EQ(config.feeds.at("rel").url, "file:///repo/conf/share/welcome.xml");
  EXPECT_EQ(config.feeds.at("up").url, "file:///repo/x%20y.xml");
  EXPECT_EQ(config.feeds.at("abs").url, "file:///srv/feed.xml");
  EXPECT_EQ(config.feeds.at("one").url, "file:///srv/one.xml");
  EXPECT_EQ(config.feeds.at("host").url, "file:///srv/h.xml");
}

TEST(ConfigLoader, PasswordEnvReadsTheEnvironment) {
  ::setenv("FEEDPOP_TEST_PASSWORD", "s3cret", 1);
  const Config config =
      parse_config("users:\n  alice:\n    password_env: FEEDPOP_TEST_PASSWORD\n", "t.yaml");
  EXPECT_EQ(config.users.at("alice").password, "s3cret");
}

// One test per mistake kind, each pinning the exact file:line:col.

TEST(ConfigErrors, YamlSyntaxErrorsNameTheirPosition) {
  expect_error("pop3:\n  listen: [\"127.0.0.1:1110\"\nfetch: {}\n", 3, 1, "YAML syntax error");
  expect_error("feeds:\n  lwn: {url: \"https://x\"\n", 3, 1, "YAML syntax error");
}

TEST(ConfigErrors, UnknownKeysSuggestTheNearestKey) {
  expect_error("feeds:\n  lwn:\n    url: https://lwn.net/\n    intervall: 1h\n", 4, 5,
               "unknown key 'feeds.lwn.intervall'; did you mean 'interval'?");
  expect_error("pop3:\n  limits:\n    per_adress: 3\n", 3, 5, "did you mean 'per_address'?");
  expect_error("fetchh: {}\n", 1, 1, "did you mean 'fetch'?");
  expect_error("pop3:\n  colour: red\n", 2, 3, "expected one of: listen, tls_listen");
}

TEST(ConfigErrors, WrongTypesSayWhatWasExpected) {
  expect_error("pop3: [1, 2]\n", 1, 7, "pop3: expected a mapping of keys");
  expect_error("pop3:\n  limits:\n    connections: many\n", 3, 18,
               "expected a whole number from 1 to 1000000, got 'many'");
  expect_error("pop3:\n  lock_session: maybe\n", 2, 17, "expected true or false");
  expect_error(minimal_feeds + "    title: [a, b]\n", 4, 12, "feeds.lwn.title: expected a string");
  expect_error("- a\n- b\n", 1, 1, "expected a mapping of keys");
  expect_error("pop3:\n  plaintext_auth: lokal\n", 2, 19, "did you mean 'local'?");
  expect_error(minimal_feeds + "    on_update: sometimes\n", 4, 16,
               "expected one of: ignore, redeliver");
}

TEST(ConfigErrors, BadDurationsSizesAndAddresses) {
  expect_error("fetch:\n  interval: 5 minutes\n", 2, 13, "bad duration '5 minutes'");
  expect_error("fetch:\n  interval: 30\n", 2, 13, "bad duration '30'");
  expect_error("fetch:\n  timeout: 0s\n", 2, 12, "more than zero");
  expect_error("fetch:\n  max_size: 10 MB\n", 2, 13, "bad size '10 MB'");
  expect_error("fetch:\n  max_size: 10XB\n", 2, 13, "bad size");
  expect_error("pop3:\n  listen: [\"127.0.0.1:1110\", \"::1:1110\"]\n", 2, 30,
               "bad address '::1:1110'");
  expect_error("pop3:\n  tls_listen: 127.0.0.1\n", 2, 15, "bad address '127.0.0.1'");
  expect_error("pop3:\n  listen: [\"127.0.0.1:70000\"]\n", 2, 12, "bad address");
  expect_error("pop3:\n  listen: [\"example.org:110\"]\n", 2, 12, "bad address");
}

TEST(ConfigErrors, DuplicateKeysAreRejectedAtTheSecondOccurrence) {
  expect_error(minimal_feeds + "  lwn:\n    url: https://other/\n", 4, 3,
               "duplicate key 'feeds.lwn' (first defined on line 2)");
  expect_error("fetch:\n  interval: 1h\n  timeout: 5s\n  interval: 2h\n", 4, 3,
               "duplicate key 'fetch.interval'");
  expect_error("pop3: {threads: 1, threads: 2}\n", 1, 20, "duplicate key 'pop3.threads'");
}

TEST(ConfigErrors, AUserListingAnUnknownFeed) {
  expect_error(minimal_feeds + "users:\n  alice:\n    password: x\n    feeds: [lwn, lnw2]\n", 7, 18,
               "unknown feed or tag 'lnw2'; did you mean 'lwn'?");
  expect_error(minimal_feeds + "users:\n  alice:\n    password: x\n    feeds: al\n", 7, 12,
               "did you mean 'all'?");
}

TEST(ConfigErrors, FeedsNeedAnHttpOrFileUrl) {
  expect_error("feeds:\n  lwn:\n    title: LWN\n", 2, 3, "feed 'lwn' has no url");
  expect_error("feeds:\n  lwn:\n", 2, 3, "feed 'lwn' has no url");
  expect_error("feeds:\n  lwn:\n    url: ftp://lwn.net/rss\n", 3, 10,
               "unsupported URL 'ftp://lwn.net/rss'");
  expect_error("feeds:\n  lwn:\n    url: lwn.net/rss\n", 3, 10, "unsupported URL");
  expect_error("feeds:\n  lwn:\n    url: https:/lwn.net\n", 3, 10, "bad URL");
  expect_error("feeds:\n  lwn:\n    url: file://server/x.xml\n", 3, 10, "names a host");
}

TEST(ConfigErrors, AMissingPasswordEnvVariable) {
  ::unsetenv("FEEDPOP_TEST_UNSET_VARIABLE");
  expect_error("users:\n  alice:\n    password_env: FEEDPOP_TEST_UNSET_VARIABLE\n", 3, 19,
               "environment variable 'FEEDPOP_TEST_UNSET_VARIABLE' is not set");
}

TEST(ConfigErrors, AUserWithoutOrWithTwoCredentials) {
  expect_error("users:\n  alice:\n    feeds: all\n", 2, 3, "user 'alice' has no credential");
  expect_error("users:\n  alice:\n", 2, 3, "has no credential");
  expect_error("users:\n  alice:\n    password: a\n    scram: b\n", 4, 5,
               "give only one of password, password_env and scram");
}

TEST(ConfigErrors, MalformedScramVerifiers) {
  const std::string key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  auto user = [](const std::string& scram) {
    return "users:\n  bob:\n    scram: \"" + scram + "\"\n";
  };
  EXPECT_EQ(error_of(user("SCRAM-SHA-256$4096:c2FsdHNhbHQ=$" + key + ":" + key)), "");
  expect_error(user("SCRAM-SHA-1$4096:c2FsdHNhbHQ=$" + key + ":" + key), 3, 12,
               "starting with 'SCRAM-SHA-256$'");
  expect_error(user("SCRAM-SHA-256$100:c2FsdHNhbHQ=$" + key + ":" + key), 3, 12, "iteration count");
  // One login may cost at most auth::scram_max_iterations rounds of PBKDF2.
  EXPECT_EQ(error_of(user("SCRAM-SHA-256$100000:c2FsdHNhbHQ=$" + key + ":" + key)), "");
  expect_error(user("SCRAM-SHA-256$100001:c2FsdHNhbHQ=$" + key + ":" + key), 3, 12,
               "from 4096 to 100000");
  expect_error(user("SCRAM-SHA-256$4096:c2Fs*HNhbHQ=$" + key + ":" + key), 3, 12, "salt");
  expect_error(user("SCRAM-SHA-256$4096:c2FsdHNhbHQ=$" + key + ":AAAA"), 3, 12, "32 bytes");
  expect_error(user("SCRAM-SHA-256$4096:c2FsdHNhbHQ="), 3, 12, "expected 'SCRAM-SHA-256$");
}

TEST(ConfigErrors, FeedKeysAndTagsMustBeUsableInMailAddresses) {
  expect_error("feeds:\n  my feed:\n    url: https://x.example/\n", 2, 3,
               "feed key 'my feed' cannot be used in a mail address");
  expect_error("feeds:\n  lwn+x:\n    url: https://x.example/\n", 2, 3, "cannot be used");
  expect_error("feeds:\n  .hidden:\n    url: https://x.example/\n", 2, 3, "cannot be used");
  expect_error(minimal_feeds + "    tags: [ok, \"not ok\"]\n", 4, 16, "tag 'not ok'");
  expect_error(minimal_feeds + "users:\n  al+ice: {password: x}\n", 5, 3,
               "not usable as a POP3 login");
}

TEST(ConfigErrors, RegexesMustCompile) {
  expect_error(minimal_feeds + "    include: [\"ok\", \"(unclosed\"]\n", 4, 21,
               "bad regular expression '(unclosed'");
  expect_error(minimal_feeds + "    exclude: \"[z-a]\"\n", 4, 14, "bad regular expression");
}

TEST(ConfigErrors, FilterPatternsRe2CannotRunAreRefusedWhereTheyAreWritten) {
  // Lookarounds and backreferences need backtracking, which RE2 does not do.
  expect_error(minimal_feeds + "    include:\n      - rust\n      - \"rust(?=lang)\"\n", 6, 9,
               "bad regular expression 'rust(?=lang)'");
  expect_error(minimal_feeds + "    exclude: [\"(a)\\\\1\"]\n", 4, 15, "RE2 syntax");
  EXPECT_EQ(error_of(minimal_feeds + "    include: [\"rust(.|\\n)*release\", \"C\\\\+\\\\+\"]\n"),
            "");
}

TEST(ConfigLoader, PrivateAddressesDefaultToAllowForTheFilesOwnFeeds) {
  EXPECT_EQ(parse_config("", "t.yaml").fetch.private_addresses, PrivateAddresses::allow);
  EXPECT_EQ(parse_config("fetch:\n  private_addresses: deny\n", "t.yaml").fetch.private_addresses,
            PrivateAddresses::deny);
  EXPECT_EQ(parse_config("fetch:\n  private_addresses: allow_for_users\n", "t.yaml")
                .fetch.private_addresses,
            PrivateAddresses::allow_for_users);
  expect_error("fetch:\n  private_addresses: never\n", 2, 22,
               "expected one of: allow, deny, allow_for_users");
}

TEST(ConfigErrors, OtherValueChecks) {
  expect_error("pop3:\n  tls: {cert: c.pem}\n", 2, 3, "give both cert and key");
  expect_error("pop3:\n  view_separator: x\n", 2, 19, "punctuation");
  expect_error("log_level: loud\n", 1, 12, "expected one of: trace, debug");
  expect_error(minimal_feeds + "    initial: some\n", 4, 14, "expected a whole number");
  expect_error("feeds: [a, b]\n", 1, 8, "feeds: expected a mapping of keys");
}

TEST(ConfigFiles, LoadConfigReportsAMissingFile) {
  try {
    load_config("/nonexistent/feeds.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/feeds.yaml: cannot read"),
              std::string::npos);
  }
}

TEST(ConfigFiles, TheExampleConfigLoadsAndItsWelcomeFeedExists) {
  const fs::path example = fs::path(FEEDPOP_SOURCE_DIR) / "feeds.example.yaml";
  const Config config = load_config(example);
  EXPECT_GE(config.feeds.size(), 5u);
  ASSERT_EQ(config.users.count("demo"), 1u);
  EXPECT_EQ(config.users.at("demo").password, "demo");
  EXPECT_TRUE(config.users.at("demo").all_feeds);
  EXPECT_EQ(config.data_dir, fs::path(FEEDPOP_SOURCE_DIR) / "data");
  EXPECT_EQ(config.pop3.listen, (std::vector<ListenAddress>{{"127.0.0.1", 1110}}));
  EXPECT_EQ(config.pop3.tls_listen, (std::vector<ListenAddress>{{"127.0.0.1", 1995}}));
  EXPECT_EQ(config.pop3.plaintext_auth, PlaintextAuth::local);
  const std::string url = config.feeds.at("welcome").url;
  ASSERT_EQ(url.rfind("file://", 0), 0u) << url;
  EXPECT_TRUE(fs::exists(url.substr(7))) << url;
}

TEST(ConfigFiles, EveryCommentedExampleKeyIsAKnownKey) {
  // Every key the example file uses is in config_keys() (the file loads), and every
  // leaf key in config_keys() appears in the example, set or commented out.
  std::ifstream in(fs::path(FEEDPOP_SOURCE_DIR) / "feeds.example.yaml");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  for (const auto& key : config_keys()) {
    const std::string leaf = key.substr(key.rfind('.') + 1);
    if (leaf != "*") {
      EXPECT_NE(text.find(leaf + ":"), std::string::npos) << key;
    }
  }
}

TEST(ConfigValues, DurationsSizesAndAddresses) {
  EXPECT_EQ(parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(parse_duration("1d"), std::chrono::hours(24));
  EXPECT_EQ(parse_duration("2w"), std::chrono::hours(24 * 14));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_FALSE(parse_duration("1.5h"));
  EXPECT_FALSE(parse_duration("h"));
  EXPECT_FALSE(parse_duration("-1h"));
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
  EXPECT_EQ(parse_size("512KB"), 512000u);
  EXPECT_EQ(parse_size("10MB"), 10000000u);
  EXPECT_EQ(parse_size("1GiB"), 1073741824u);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_FALSE(parse_size("MB"));
  EXPECT_EQ(parse_listen_address("[::1]:1110"), (ListenAddress{"::1", 1110}));
  EXPECT_EQ(parse_listen_address("localhost:0"), (ListenAddress{"127.0.0.1", 0}));
  EXPECT_FALSE(parse_listen_address("[::1]"));
  EXPECT_FALSE(parse_listen_address("1.2.3.4:"));
  EXPECT_FALSE(parse_listen_address("256.1.1.1:1"));
}

TEST(ConfigValues, ConfigKeysListEveryDottedPathOnce) {
  const auto& keys = config_keys();
  const std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
  for (const char* key : {"pop3.limits.per_address", "feeds.*.url", "users.*.password_env",
                          "fetch.max_size", "data_dir"}) {
    EXPECT_EQ(unique.count(key), 1u) << key;
  }
}

} // namespace
} // namespace feedpop::gateway
