// feeds.yaml's `rules:` (global and per feed): what loads, and where each mistake is.

#include <string>

#include <gtest/gtest.h>

#include "config_errors_support.hpp"
#include "gateway/config.hpp"
#include "gateway/ingest_options.hpp"
#include "gateway/mailbox_views.hpp"

namespace feedpop::gateway {
namespace {

using test::error_of;
using test::expect_error;

using content::RuleAction;
using content::RuleField;

std::string minimal_feeds_with(const std::string& rules) {
  return "feeds:\n  lwn:\n    url: https://lwn.net/headlines/rss\n    rules:\n" + rules;
}

const std::string rules_config = R"(rules:
  - if: {title: "^sponsored"}
    then: skip
feeds:
  blog:
    url: https://blog.example/feed
    exclude: ["hiring"]
    rules:
      - then: keep
        if: {category: rust, author: "(?-i)Ada"}
      - then: tag rust-news
        if: {link: "/rust"}
      - then: "strip div.ad, #comments"
      - then: {replace: {pattern: "teh", with: "the", in: title}}
      - then: {tag: later}
      - if: {content: "x"}
        then: {strip: "aside"}
  news:
    url: https://news.example/feed
users:
  alice: {password: pw, feeds: all}
)";

TEST(ConfigRules, GlobalAndPerFeedRulesLoadWithTheirConditionsAndActions) {
  const Config config = parse_config(rules_config, "t.yaml");
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0].action, RuleAction::skip);
  ASSERT_EQ(config.rules[0].conditions.size(), 1u);
  EXPECT_EQ(config.rules[0].conditions[0].field, RuleField::title);
  EXPECT_EQ(config.rules[0].conditions[0].pattern, "^sponsored");
  EXPECT_EQ(config.rules[0].origin, "t.yaml:2");

  const auto& rules = config.feeds.at("blog").rules;
  ASSERT_EQ(rules.size(), 6u);
  EXPECT_EQ(rules[0].action, RuleAction::keep);
  EXPECT_EQ(rules[0].conditions.size(), 2u);
  EXPECT_EQ(rules[1].action, RuleAction::tag);
  EXPECT_EQ(rules[1].argument, "rust-news");
  EXPECT_EQ(rules[2].action, RuleAction::strip);
  EXPECT_EQ(rules[2].argument, "div.ad, #comments");
  EXPECT_TRUE(rules[2].conditions.empty());
  EXPECT_EQ(rules[3].action, RuleAction::replace);
  EXPECT_EQ(rules[3].argument, "teh");
  EXPECT_EQ(rules[3].replacement, "the");
  EXPECT_EQ(rules[3].target, RuleField::title);
  EXPECT_EQ(rules[4].argument, "later");
  EXPECT_EQ(rules[5].argument, "aside");
  EXPECT_EQ(rules[5].origin, "t.yaml:16");
  EXPECT_TRUE(config.feeds.at("news").rules.empty());
}

TEST(ConfigRules, EachFeedGetsTheGlobalRulesBeforeItsOwn) {
  const auto options = ingest_options(parse_config(rules_config, "t.yaml"));
  EXPECT_EQ(options.feeds.at("blog").rules.size(), 7u);
  EXPECT_EQ(options.feeds.at("news").rules.size(), 1u);
  EXPECT_EQ(options.feeds.at("blog").rules.front().origin, "t.yaml:2");
  // include / exclude stay patterns; feed_rules() puts them first.
  const auto set = ingest::feed_rules(options.feeds.at("blog"));
  EXPECT_EQ(set.rules().size(), 9u);
  EXPECT_EQ(set.rules().front().origin, "feeds.blog exclude");
}

TEST(ConfigRules, ATagViewOfARuleTagNamesTheFeedsWhoseRulesMayTagIt) {
  const Config config = parse_config(rules_config, "t.yaml");
  const auto view = resolve_mailbox(config, "alice+rust-news");
  ASSERT_TRUE(view.has_value());
  EXPECT_TRUE(view->feed_keys.empty());
  EXPECT_EQ(view->tagged_feed_keys, std::vector<std::string>{"blog"});
  EXPECT_FALSE(resolve_mailbox(config, "alice+nothing").has_value());
  EXPECT_TRUE(resolve_mailbox(config, "alice+blog")->tagged_feed_keys.empty());
}

TEST(ConfigRules, ABadRegularExpressionIsReportedWhereItIsWritten) {
  expect_error("rules:\n  - if: {title: \"rust(?=lang)\"}\n    then: skip\n", 2, 17,
               "rules[0].if.title: bad regular expression 'rust(?=lang)'");
  expect_error(minimal_feeds_with("      - then: {replace: {pattern: \"(a\", with: b}}\n"), 5, 35,
               "bad regular expression");
}

TEST(ConfigRules, UnknownKeysFieldsAndActionsAreNamedWithANearMiss) {
  expect_error("rules:\n  - iff: {title: x}\n    then: skip\n", 2, 5,
               "rules[0].iff: unknown key; did you mean 'if'?");
  expect_error("rules:\n  - if: {titel: x}\n    then: skip\n", 2, 10,
               "rules[0].if.titel: unknown key; did you mean 'title'?");
  expect_error("rules:\n  - then: skp\n", 2, 11, "unknown action 'skp'; did you mean 'skip'?");
  expect_error("rules:\n  - if: {title: x}\n", 2, 5, "the rule has no `then`");
  expect_error("rules:\n  - then: {replace: {pattern: x, wiht: y}}\n", 2, 34,
               "unknown key; did you mean 'with'?");
  expect_error("rules:\n  - then: {replace: {pattern: x}}\n", 2, 31, "replace needs with");
  expect_error("rules:\n  - then: {replace: {pattern: x, with: y, in: body}}\n", 2, 47,
               "unknown value 'body'");
  expect_error("rules: skip\n", 1, 8, "expected a list of rules");
  expect_error("rules:\n  - skip\n", 2, 5, "expected a rule");
}

TEST(ConfigRules, ABadSelectorPointsAtTheCharacterWhereItGoesWrong) {
  expect_error("rules:\n  - then: strip div > p\n", 2, 21, "the '>' combinator is not supported");
  expect_error("rules:\n  - then: \"strip a[href]\"\n", 2, 19, "attribute");
  expect_error("rules:\n  - then: {strip: \"div.\"}\n", 2, 24, "expected a class name");
  // An unquoted " #" starts a YAML comment: the hint says so.
  expect_error("rules:\n  - then: strip div.ad, #comments\n", 2, 24, "quote the selector");
  expect_error("rules:\n  - then: strip\n", 2, 11, "empty selector");
}

TEST(ConfigRules, TagNamesMustFitAMailAddressAndSkipTakesNoArgument) {
  expect_error("rules:\n  - then: tag two words\n", 2, 11, "cannot be used in a mail address");
  expect_error("rules:\n  - then: tag\n", 2, 11, "cannot be used in a mail address");
  expect_error("rules:\n  - then: skip now\n", 2, 11, "skip takes no argument");
  expect_error("rules:\n  - then: {replace: {pattern: \"(a)\", with: \"\\\\2\"}}\n", 2, 31,
               "does not fit the pattern");
}

} // namespace
} // namespace feedpop::gateway
