// feeds.yaml's enclosure keys: fetch.enclosures(_max_size), feeds.*.enclosures(_max_size).

#include <gtest/gtest.h>

#include "config_errors_support.hpp"
#include "gateway/ingest_options.hpp"

namespace feedpop::gateway {
namespace {

using test::error_of;

TEST(ConfigEnclosures, GlobalDefaultsAndPerFeedOverridesReachTheFetcher) {
  const ingest::Options defaults =
      ingest_options(parse_config("feeds:\n  a:\n    url: https://a.example/\n", "t.yaml"));
  EXPECT_EQ(defaults.fetch.enclosures, ingest::EnclosuresMode::link);
  EXPECT_EQ(defaults.fetch.enclosures_max_size, 20'000'000u);
  const ingest::Options o = ingest_options(parse_config(R"(
fetch:
  enclosures: attach
  enclosures_max_size: 5MB
feeds:
  a:
    url: https://a.example/feed
    enclosures: link
    enclosures_max_size: 1MiB
  b:
    url: https://b.example/feed
)",
                                                        "t.yaml"));
  EXPECT_EQ(o.fetch.enclosures, ingest::EnclosuresMode::attach);
  EXPECT_EQ(o.fetch.enclosures_max_size, 5'000'000u);
  EXPECT_EQ(o.feeds.at("a").enclosures, ingest::EnclosuresMode::link);
  EXPECT_EQ(o.feeds.at("a").enclosures_max_size, 1024u * 1024u);
  EXPECT_FALSE(o.feeds.at("b").enclosures.has_value());
  EXPECT_FALSE(o.feeds.at("b").enclosures_max_size.has_value());
}

TEST(ConfigEnclosures, BadValuesAreErrorsAtTheirPosition) {
  EXPECT_EQ(error_of("fetch:\n  enclosures: attatch\n").rfind("t.yaml:2:15: ", 0), 0u)
      << error_of("fetch:\n  enclosures: attatch\n");
  EXPECT_NE(error_of("fetch:\n  enclosures: attatch\n").find("did you mean 'attach'?"),
            std::string::npos);
  const std::string feed = "feeds:\n  a:\n    url: https://a.example/\n";
  EXPECT_EQ(error_of(feed + "    enclosures_max_size: 20 MB\n").rfind("t.yaml:4:26: ", 0), 0u)
      << error_of(feed + "    enclosures_max_size: 20 MB\n");
  EXPECT_NE(error_of(feed + "    enclosure: attach\n").find("did you mean 'enclosures'?"),
            std::string::npos);
}

} // namespace
} // namespace feedpop::gateway
