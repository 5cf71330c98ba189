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

TEST(IngestOptions, CarryTheImageWidthLimitWithAFeedsOwnOrNone) {
  const Config config = parse_config(R"(
fetch:
  images_max_width: 1024
feeds:
  a:
    url: https://a.example/feed
    images_max_width: 640
  b:
    url: https://b.example/feed
  c:
    url: https://c.example/feed
    images_max_width: none
)",
                                     "/srv/feeds.yaml");
  const ingest::Options o = ingest_options(config);
  EXPECT_EQ(o.fetch.images_max_width, 1024U);
  EXPECT_EQ(o.feeds.at("a").images_max_width, 640U);
  EXPECT_FALSE(o.feeds.at("b").images_max_width.has_value());
  EXPECT_EQ(o.feeds.at("c").images_max_width, 0U);
  EXPECT_EQ(ingest_options(parse_config("", "t.yaml")).fetch.images_max_width, 0U);
}

TEST(IngestOptions, ABadImageWidthIsAnErrorAtItsPosition) {
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
           {"fetch:\n  images_max_width: 8\n", "t.yaml:2:21: "},
           {"fetch:\n  images_max_width: wide\n", "t.yaml:2:21: "},
           {"feeds:\n  a:\n    url: https://a.example/\n    images_max_width: 99999\n",
            "t.yaml:4:23: "}}) {
    try {
      parse_config(text, "t.yaml");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const ConfigError& e) {
      const std::string error = e.what();
      EXPECT_EQ(error.substr(0, where.size()), where) << error;
      EXPECT_NE(error.find("expected a whole number from 16 to 20000"), std::string::npos) << error;
    }
  }
}

} // namespace
} // namespace feedpop::gateway
