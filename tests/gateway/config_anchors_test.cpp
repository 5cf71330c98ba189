// feeds.yaml with YAML anchors and aliases, and errors deep inside lists and mappings: the
// loader reads an alias as the anchored value, and every error keeps its file:line:col.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config_errors_support.hpp"
#include "gateway/config.hpp"

namespace feedpop::gateway {
namespace {

using test::error_of;
using test::expect_error;

TEST(ConfigAnchors, AnAliasReadsAsTheAnchoredValue) {
  const Config config = parse_config(R"(
feeds:
  lwn:
    url: https://lwn.net/headlines/rss
    tags: &news [news, linux]
    digest: &daily {every: 1d, at: "07:00"}
  hn:
    url: https://news.ycombinator.com/rss
    tags: *news
    digest: *daily
  xkcd: {url: https://xkcd.com/rss.xml, tags: [fun]}
users:
  alice: &reader {password: a-secret, feeds: &reads [news, xkcd]}
  bob: {password: b-secret, feeds: *reads}
  carol: *reader
)",
                                     "t.yaml");
  const auto& hn = config.feeds.at("hn");
  EXPECT_EQ(hn.tags, (std::vector<std::string>{"news", "linux"}));
  ASSERT_TRUE(hn.digest.has_value());
  EXPECT_EQ(hn.digest, config.feeds.at("lwn").digest);
  EXPECT_EQ(hn.digest->at, std::chrono::hours(7));
  const std::vector<std::string> reads{"hn", "lwn", "xkcd"};
  EXPECT_EQ(config.subscriptions("alice"), reads);
  EXPECT_EQ(config.subscriptions("bob"), reads);
  EXPECT_EQ(config.subscriptions("carol"), reads);
  EXPECT_EQ(config.users.at("carol").password, "a-secret");
  EXPECT_EQ(config.users.at("carol").line, 15) << "where carol's key is";
}

TEST(ConfigAnchors, AnErrorInAnAliasedValuePointsAtTheAnchoredText) {
  // Feeds are read before users, so the alias under feeds meets the mistake first.
  expect_error("users:\n"
               "  alice: {password: x, feeds: all, digest: &short {every: 30m}}\n"
               "feeds:\n"
               "  lwn: {url: https://lwn.net/headlines/rss, digest: *short}\n",
               2, 59, "feeds.lwn.digest.every: a digest period must be at least 1h");
  expect_error("users:\n"
               "  alice: {password: x, feeds: &t [lwn, \"not ok\"]}\n"
               "feeds:\n"
               "  lwn: {url: https://lwn.net/headlines/rss, tags: *t}\n",
               2, 40, "feeds.lwn.tags: tag 'not ok' cannot be used in a mail address");
}

// Reading a rule's action must leave the anchored mapping as it is for its next use.
TEST(ConfigAnchors, AnAliasedRuleActionReadsLikeTheAnchoredOne) {
  const Config config = parse_config("rules:\n"
                                     "  - then: &fix {replace: {pattern: teh, with: the}}\n"
                                     "  - then: *fix\n"
                                     "  - if: {title: linux}\n"
                                     "    then: &tag {tag: news}\n"
                                     "  - then: *tag\n",
                                     "t.yaml");
  ASSERT_EQ(config.rules.size(), 4U);
  for (const std::size_t i : {0, 1}) {
    EXPECT_EQ(config.rules[i].action, content::RuleAction::replace) << i;
    EXPECT_EQ(config.rules[i].argument, "teh") << i;
    EXPECT_EQ(config.rules[i].replacement, "the") << i;
  }
  EXPECT_EQ(config.rules[3].action, content::RuleAction::tag);
  EXPECT_EQ(config.rules[3].argument, "news");
  EXPECT_TRUE(config.rules[3].conditions.empty());
}

TEST(ConfigAnchors, AnAliasToAnUnknownAnchorIsASyntaxError) {
  expect_error("feeds:\n  lwn: *missing\n", 2, 8, "YAML syntax error");
}

TEST(ConfigErrorsDeep, AnItemOfAFlowListOverSeveralLinesIsPointedAt) {
  expect_error("feeds:\n"
               "  lwn:\n"
               "    url: https://lwn.net/headlines/rss\n"
               "    tags: [news,\n"
               "           linux, \"bad tag\"]\n",
               5, 19, "feeds.lwn.tags: tag 'bad tag' cannot be used");
  expect_error("feeds: {a: {url: https://a.example/rss}, b: {url: https://b.example/rss}}\n"
               "users:\n"
               "  bob:\n"
               "    password: x\n"
               "    feeds: [a,\n"
               "      b, c]\n",
               6, 10, "users.bob.feeds: unknown feed or tag 'c'");
}

TEST(ConfigErrorsDeep, AMistakeInTheSecondRuleOfAFeedIsPointedAt) {
  expect_error("feeds:\n"
               "  lwn:\n"
               "    url: https://lwn.net/headlines/rss\n"
               "    rules:\n"
               "      - then: skip\n"
               "      - if:\n"
               "          title: \"(unclosed\"\n"
               "        then: keep\n",
               7, 18, "feeds.lwn.rules[1].if.title: bad regular expression '(unclosed'");
  expect_error("feeds:\n"
               "  lwn:\n"
               "    url: https://lwn.net/headlines/rss\n"
               "    digest:\n"
               "      every: 1d\n"
               "      at: \"25:00\"\n",
               6, 11, "feeds.lwn.digest.at: bad time of day '25:00'");
}

TEST(ConfigErrorsDeep, ADuplicateKeyDeepInsideAFeedIsPointedAt) {
  expect_error("feeds:\n"
               "  lwn:\n"
               "    url: https://lwn.net/headlines/rss\n"
               "    digest: {every: 1d,\n"
               "             every: 2d}\n",
               5, 14, "duplicate key 'feeds.lwn.digest.every' (first defined on line 4)");
}

// "k<i>" (GCC 12 warns falsely about "k" + std::to_string(i) under -O3).
std::string key_of(int i) {
  std::string key = "k";
  key += std::to_string(i);
  return key;
}

// Many feeds: every key of a long list is found (the key index grows and probes past
// collisions), duplicates through a tag are dropped, an unknown key is still an error.
TEST(ConfigUsersMany, EachOfAThousandListedKeysIsFoundOnce) {
  std::string text = "feeds:\n";
  std::string list;
  std::vector<std::string> want;
  for (int i = 999; i >= 0; --i) {
    const std::string key = key_of(i);
    text.append("  ").append(key).append(": {url: https://x.example/").append(key);
    text.append(i % 2 ? ", tags: [odd]}\n" : "}\n");
  }
  for (int i = 0; i < 1000; i += 2) {
    want.push_back(key_of(i));
    list.append(want.back()).append(", ");
  }
  const Config config = parse_config(
      text + "users:\n  bob: {password: x, feeds: [" + list + "odd, k1, k0]}\n", "t.yaml");
  for (const auto& [key, feed] : config.feeds) { // `odd` adds k1, k3, ... in key order
    if (!feed.tags.empty()) {
      want.push_back(key);
    }
  }
  EXPECT_EQ(config.subscriptions("bob"), want);
  EXPECT_NE(error_of(text + "users:\n  bob: {password: x, feeds: [" + list + "k1000]}\n")
                .find("unknown feed or tag 'k1000'"),
            std::string::npos);
}

} // namespace
} // namespace feedpop::gateway
