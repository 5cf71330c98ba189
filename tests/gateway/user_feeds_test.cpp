// Users' own feeds next to the configuration's: store keys, fetcher options, discovery of
// feed links in a page, and the config keys that allow them.

#include "gateway/user_feeds.hpp"

#include <gtest/gtest.h>

#include "gateway/feed_discovery.hpp"

namespace feedpop::gateway {
namespace {

storage::UserFeed feed(const std::string& owner, const std::string& key, bool paused = false) {
  storage::UserFeed f;
  f.owner = owner;
  f.key = key;
  f.url = "https://example.org/" + key;
  f.paused = paused;
  return f;
}

const char* config_text = R"(
users:
  alice:
    password: a
    may_subscribe: true
    max_feeds: 3
  bob:
    password: b
smtp:
  listen: []
  tls_listen: ["0.0.0.0:465"]
  max_message_size: 2MB
feeds:
  lwn:
    url: https://lwn.net/headlines/rss
)";

TEST(GatewayUserFeeds, ConfigKeysHaveTheirDefaultsAndValues) {
  const Config config = parse_config(config_text, "feeds.yaml");
  EXPECT_TRUE(config.users.at("alice").may_subscribe);
  EXPECT_EQ(config.users.at("alice").max_feeds, 3u);
  EXPECT_FALSE(config.users.at("bob").may_subscribe);
  EXPECT_EQ(config.users.at("bob").max_feeds, 100u);
  EXPECT_TRUE(config.smtp.listen.empty());
  ASSERT_EQ(config.smtp.tls_listen.size(), 1u);
  EXPECT_EQ(config.smtp.tls_listen[0].port, 465);
  EXPECT_EQ(config.smtp.max_message_size, 2'000'000u);
  const Config defaults = parse_config("{}", "feeds.yaml");
  EXPECT_EQ(defaults.smtp.listen, (std::vector<ListenAddress>{{"127.0.0.1", 1587}}));
  EXPECT_EQ(defaults.smtp.tls_listen, (std::vector<ListenAddress>{{"127.0.0.1", 1465}}));
  EXPECT_EQ(defaults.smtp.max_message_size, 1024u * 1024u);
}

TEST(GatewayUserFeeds, ABadMessageSizeIsAConfigErrorWithItsPosition) {
  try {
    parse_config("smtp:\n  max_message_size: 10\n", "f.yaml");
    FAIL() << "accepted a 10-byte limit";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("f.yaml:2:"), std::string::npos) << e.what();
  }
}

TEST(GatewayUserFeeds, StoreKeysCannotCollideWithConfigKeys) {
  EXPECT_EQ(user_feed_key("alice", "lwn"), "alice/lwn");
  EXPECT_EQ(control_feed_key("alice"), "alice/.feedpop");
  EXPECT_EQ(feed_source("lwn"), "config");
  EXPECT_EQ(feed_source("alice/lwn"), "user");
  EXPECT_EQ(feed_source("alice/.feedpop"), "control");
  const auto keys = user_mailbox_keys({feed("alice", "a"), feed("bob", "b")}, "alice");
  EXPECT_EQ(keys, (std::vector<std::string>{"alice/a", "alice/.feedpop"}));
}

TEST(GatewayUserFeeds, TheFetcherPollsUnpausedFeedsOfConfiguredUsersMarkedUserAdded) {
  const Config config = parse_config(config_text, "feeds.yaml");
  const auto o = ingest_options(
      config, {feed("alice", "a"), feed("alice", "p", true), feed("gone", "g"), feed("bob", "b")});
  ASSERT_EQ(o.feeds.count("lwn"), 1u);
  EXPECT_FALSE(o.feeds.at("lwn").user_added);
  ASSERT_EQ(o.feeds.count("alice/a"), 1u);
  EXPECT_TRUE(o.feeds.at("alice/a").user_added);
  EXPECT_EQ(o.feeds.at("alice/a").url, "https://example.org/a");
  EXPECT_EQ(o.feeds.count("alice/p"), 0u); // paused
  EXPECT_EQ(o.feeds.count("gone/g"), 0u);  // owner no longer configured
  EXPECT_EQ(o.feeds.count("bob/b"), 1u);
}

TEST(FeedDiscovery, FindsAlternateFeedLinksInDocumentOrderResolved) {
  const char* page = R"(<!doctype html><html><head>
<link rel="stylesheet" href="/s.css">
<LINK REL="Alternate" TYPE="application/atom+xml" href="/atom.xml">
<link rel="alternate" type="application/rss+xml; charset=utf-8" href="rss">
<link rel="alternate" type="text/html" href="/fr/">
<link rel="alternate nofollow" type="application/feed+json" href="https://cdn.example/f.json">
<link rel="alternate" type="application/rss+xml" href="/atom.xml">
<link rel="alternate" type="application/rss+xml">
</head><body><a rel="alternate" type="application/rss+xml" href="/no">x</a></body></html>)";
  EXPECT_EQ(
      linked_feeds(page, "https://blog.example/posts/index.html"),
      (std::vector<std::string>{"https://blog.example/atom.xml", "https://blog.example/posts/rss",
                                "https://cdn.example/f.json"}));
  EXPECT_TRUE(linked_feeds("<p>no links</p>", "https://x.example/").empty());
}

} // namespace
} // namespace feedpop::gateway
