#include "gateway/ingest_options.hpp"

#include <gtest/gtest.h>

namespace feedpop::gateway {
namespace {

bool lwn_user_added(const ingest::Options& o) {
  return o.feeds.at("lwn").user_added;
}

TEST(IngestOptions, CarryEveryFetchAndFeedSettingTheFetcherUses) {
  const Config config = parse_config(R"(
hostname: pop.example.org
fetch:
  interval: 10m
  concurrency: 3
  per_host: 1
  timeout: 20s
  connect_timeout: 5s
  max_size: 2MB
  user_agent: "Agent/1"
  proxy: "http://proxy:3128"
  ca_file: /etc/ca.pem
  private_addresses: deny
  max_backoff: 6h
  notify_after: 2h
feeds:
  lwn:
    url: https://lwn.net/headlines/rss
    title: LWN
    interval: 1h
    initial: all
    user_agent: "Other/2"
    retention: 30d
    max_entries: 100
    on_update: redeliver
    include: ["rust"]
    exclude: ["^sponsored"]
  hn:
    url: https://news.ycombinator.com/rss
)",
                                     "/srv/feeds.yaml");
  const ingest::Options o = ingest_options(config);
  EXPECT_EQ(o.hostname, "pop.example.org");
  EXPECT_EQ(o.fetch.interval, std::chrono::minutes(10));
  EXPECT_EQ(o.fetch.concurrency, 3U);
  EXPECT_EQ(o.fetch.per_host, 1U);
  EXPECT_EQ(o.fetch.timeout, std::chrono::seconds(20));
  EXPECT_EQ(o.fetch.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(o.fetch.max_size, 2'000'000U);
  EXPECT_EQ(o.fetch.user_agent, "Agent/1");
  EXPECT_EQ(o.fetch.proxy, "http://proxy:3128");
  EXPECT_EQ(o.fetch.ca_file, "/etc/ca.pem");
  EXPECT_EQ(o.fetch.private_addresses, ingest::PrivateAddresses::deny);
  EXPECT_FALSE(lwn_user_added(o));
  EXPECT_EQ(o.fetch.max_backoff, std::chrono::hours(6));
  EXPECT_EQ(o.fetch.notify_after, std::chrono::hours(2));
  ASSERT_EQ(o.feeds.size(), 2U);
  const ingest::FeedOptions& lwn = o.feeds.at("lwn");
  EXPECT_EQ(lwn.key, "lwn");
  EXPECT_EQ(lwn.url, "https://lwn.net/headlines/rss");
  EXPECT_EQ(lwn.title, "LWN");
  EXPECT_EQ(lwn.interval, std::chrono::hours(1));
  EXPECT_FALSE(lwn.initial.has_value());
  EXPECT_EQ(lwn.user_agent, "Other/2");
  EXPECT_EQ(lwn.retention, std::chrono::hours(24 * 30));
  EXPECT_EQ(lwn.max_entries, 100U);
  EXPECT_EQ(lwn.on_update, ingest::OnUpdate::redeliver);
  EXPECT_EQ(lwn.include, std::vector<std::string>{"rust"});
  EXPECT_EQ(lwn.exclude, std::vector<std::string>{"^sponsored"});
  const ingest::FeedOptions& hn = o.feeds.at("hn");
  EXPECT_EQ(hn.initial, 20U);
  EXPECT_EQ(hn.on_update, ingest::OnUpdate::ignore);
  EXPECT_FALSE(hn.interval.has_value());
}

TEST(IngestOptions, CarryTheContentModeAndSelector) {
  const Config config = parse_config(R"(
fetch:
  content: auto
  images: inline
feeds:
  a:
    url: https://a.example/feed
    content: full
    images: link
    content_selector: "//div[@id='post']"
  b:
    url: https://b.example/feed
)",
                                     "/srv/feeds.yaml");
  const ingest::Options o = ingest_options(config);
  EXPECT_EQ(o.fetch.content, ingest::ContentMode::automatic);
  EXPECT_EQ(o.feeds.at("a").content, ingest::ContentMode::full);
  EXPECT_EQ(o.feeds.at("a").content_selector, "//div[@id='post']");
  EXPECT_FALSE(o.feeds.at("b").content.has_value());
  EXPECT_FALSE(o.feeds.at("b").content_selector.has_value());
  EXPECT_EQ(o.fetch.images, ingest::ImagesMode::inline_);
  EXPECT_EQ(o.feeds.at("a").images, ingest::ImagesMode::link);
  EXPECT_FALSE(o.feeds.at("b").images.has_value());
  EXPECT_THROW(parse_config("feeds:\n  a:\n    url: https://a.example/\n    content: most\n",
                            "/srv/feeds.yaml"),
               ConfigError);
}

} // namespace
} // namespace feedpop::gateway
