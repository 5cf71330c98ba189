#include "content/rules.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <variant>

#include "feeds/parse.hpp"

namespace feedpop::content {
namespace {

feeds::Feed fixture_feed() {
  std::ifstream in(std::string(FEEDPOP_SOURCE_DIR) +
                       "/tests/content/fixtures/rules_blog_with_ads_and_comments.xml",
                   std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  auto parsed = feeds::parse(body.str());
  EXPECT_TRUE(std::holds_alternative<feeds::Feed>(parsed));
  return std::get<feeds::Feed>(std::move(parsed));
}

Rule rule(RuleAction action, std::vector<RuleCondition> conditions, std::string argument = "") {
  Rule r;
  r.action = action;
  r.conditions = std::move(conditions);
  r.argument = std::move(argument);
  return r;
}

Rule replace_rule(std::string pattern, std::string with, RuleField target = RuleField::content) {
  Rule r = rule(RuleAction::replace, {}, std::move(pattern));
  r.replacement = std::move(with);
  r.target = target;
  return r;
}

std::vector<std::string> delivered_titles(const RuleSet& rules, const feeds::Feed& feed) {
  std::vector<std::string> out;
  for (const auto& e : feed.entries) {
    if (rules.judge(e).deliver) {
      out.push_back(e.title.value_or(""));
    }
  }
  return out;
}

TEST(Rules, TheFixtureFeedHasFourEntries) {
  EXPECT_EQ(fixture_feed().entries.size(), 4u);
}

TEST(Rules, SkipDropsEntriesWhoseTitleMatchesIgnoringCase) {
  const RuleSet rules({rule(RuleAction::skip, {{RuleField::title, "^sponsored:"}})});
  const auto feed = fixture_feed();
  EXPECT_EQ(delivered_titles(rules, feed),
            (std::vector<std::string>{"Rust 1.80 released", "SQLite WAL mode explained",
                                      "Weekly links #42"}));
  const RuleVerdict v = rules.judge(feed.entries[1]);
  EXPECT_FALSE(v.deliver);
  EXPECT_EQ(v.skipped_by, 0u);
}

TEST(Rules, CaseSensitivityCanBeTurnedBackOnInsideThePattern) {
  const RuleSet rules({rule(RuleAction::skip, {{RuleField::title, "(?-i)^sponsored:"}})});
  EXPECT_EQ(delivered_titles(rules, fixture_feed()).size(), 4u);
}

TEST(Rules, KeepRulesTurnTheFeedIntoAnAllowList) {
  const RuleSet rules({rule(RuleAction::keep, {{RuleField::category, "^rust$"}}),
                       rule(RuleAction::keep, {{RuleField::content, "WAL mode"}})});
  const auto feed = fixture_feed();
  EXPECT_EQ(delivered_titles(rules, feed),
            (std::vector<std::string>{"Rust 1.80 released", "SQLite WAL mode explained"}));
  const RuleVerdict dropped = rules.judge(feed.entries[3]);
  EXPECT_TRUE(dropped.not_kept);
  EXPECT_FALSE(dropped.skipped_by.has_value());
  EXPECT_EQ(rules.judge(feed.entries[2]).kept_by, 1u);
}

TEST(Rules, SkipWinsOverKeep) {
  const RuleSet rules(
      {rule(RuleAction::keep, {}), rule(RuleAction::skip, {{RuleField::author, "marketing"}})});
  EXPECT_EQ(delivered_titles(rules, fixture_feed()).size(), 3u);
}

TEST(Rules, AllConditionsOfOneIfMustMatch) {
  const RuleSet rules(
      {rule(RuleAction::skip, {{RuleField::author, "^Ada"}, {RuleField::link, "/links-[0-9]+$"}})});
  EXPECT_EQ(
      delivered_titles(rules, fixture_feed()),
      (std::vector<std::string>{"Rust 1.80 released", "Sponsored: Try CloudDB free for 30 days",
                                "SQLite WAL mode explained"}));
}

TEST(Rules, ContentConditionsSeeTheTextNotTheMarkup) {
  const RuleSet rules({rule(RuleAction::skip, {{RuleField::content, "class="}})});
  EXPECT_EQ(delivered_titles(rules, fixture_feed()).size(), 4u);
}

TEST(Rules, TagCollectsEachNameOnceInRuleOrder) {
  const RuleSet rules({rule(RuleAction::tag, {{RuleField::category, "rust|databases"}}, "lang"),
                       rule(RuleAction::tag, {{RuleField::content, "rust"}}, "rusty"),
                       rule(RuleAction::tag, {{RuleField::title, "rust"}}, "lang")});
  const auto feed = fixture_feed();
  EXPECT_EQ(rules.judge(feed.entries[0]).tags, (std::vector<std::string>{"lang", "rusty"}));
  EXPECT_EQ(rules.judge(feed.entries[2]).tags, (std::vector<std::string>{"lang"}));
  EXPECT_EQ(rules.judge(feed.entries[3]).tags, (std::vector<std::string>{"rusty"}));
  EXPECT_TRUE(rules.judge(feed.entries[1]).tags.empty());
}

TEST(Rules, StripRemovesAdsAndCommentSectionsAndCountsOutermostElements) {
  const RuleSet rules({rule(RuleAction::strip, {}, "div.ad, #comments")});
  auto feed = fixture_feed();
  feeds::Entry& e = feed.entries[0];
  const std::string before = *e.summary_html;
  ASSERT_NE(before.find("Buy a faster laptop"), std::string::npos);
  const auto counts = rules.rewrite(e, rules.judge(e));
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].count, 2u); // the banner and the comments section (its ad goes with it)
  const std::string& after = *e.summary_html;
  EXPECT_EQ(after.find("Buy a faster laptop"), std::string::npos);
  EXPECT_EQ(after.find("First!"), std::string::npos);
  EXPECT_EQ(after.find("Nested ad"), std::string::npos);
  EXPECT_NE(after.find("<b>LazyCell</b>"), std::string::npos);
  EXPECT_NE(after.find("Rust blog</a>"), std::string::npos);
}

TEST(Rules, StripWithDescendantAndTagSelectorsKeepsLeadingText) {
  const RuleSet rules({rule(RuleAction::strip, {}, "aside, div.post-footer .share")});
  auto feed = fixture_feed();
  feeds::Entry& e = feed.entries[2];
  const auto counts = rules.rewrite(e, rules.judge(e));
  EXPECT_EQ(counts.at(0).count, 2u);
  const std::string& html = *e.summary_html;
  EXPECT_EQ(html.rfind("Readers never block the writer", 0), 0u) << html;
  EXPECT_EQ(html.find("Related:"), std::string::npos);
  EXPECT_EQ(html.find("Share"), std::string::npos);
  EXPECT_NE(html.find("class=\"post-footer\""), std::string::npos);
}

TEST(Rules, AFragmentNoSelectorMatchesKeepsItsBytes) {
  const RuleSet rules({rule(RuleAction::strip, {}, "table.nothing")});
  auto feed = fixture_feed();
  feeds::Entry& e = feed.entries[2];
  const std::string before = *e.summary_html;
  EXPECT_EQ(rules.rewrite(e, rules.judge(e)).at(0).count, 0u);
  EXPECT_EQ(*e.summary_html, before);
}

TEST(Rules, ReplaceRewritesTextNodesAndEscapesWhatItInserts) {
  const RuleSet rules({replace_rule("sqlite", "<SQLite & co>")});
  auto feed = fixture_feed();
  feeds::Entry& e = feed.entries[2];
  const auto counts = rules.rewrite(e, rules.judge(e));
  EXPECT_EQ(counts.at(0).count, 1u); // "Related: SQLite locking"; markup has no text match
  const std::string& html = *e.summary_html;
  EXPECT_NE(html.find("Related: &lt;SQLite &amp; co&gt; locking"), std::string::npos) << html;
  EXPECT_NE(html.find("<code>PRAGMA journal_mode=WAL</code>"), std::string::npos);
  EXPECT_EQ(e.title, "SQLite WAL mode explained"); // content only by default
}

TEST(Rules, ReplaceNeverTouchesMarkup) {
  const RuleSet rules({replace_rule("class|href|div", "x")});
  auto feed = fixture_feed();
  feeds::Entry& e = feed.entries[0];
  const std::string before = *e.summary_html;
  EXPECT_EQ(rules.rewrite(e, rules.judge(e)).at(0).count, 0u);
  EXPECT_EQ(*e.summary_html, before);
}

TEST(Rules, ReplaceOnTheTitleUsesGroups) {
  const RuleSet rules({replace_rule("^sponsored: (.*)$", "[ad] \\1", RuleField::title)});
  auto feed = fixture_feed();
  feeds::Entry& e = feed.entries[1];
  EXPECT_EQ(rules.rewrite(e, rules.judge(e)).at(0).count, 1u);
  EXPECT_EQ(e.title, "[ad] Try CloudDB free for 30 days");
}

TEST(Rules, RewritesApplyOnlyWhereTheirIfMatches) {
  const RuleSet rules({rule(RuleAction::strip, {{RuleField::category, "^links$"}}, "#comments")});
  auto feed = fixture_feed();
  for (auto& e : feed.entries) {
    rules.rewrite(e, rules.judge(e));
  }
  EXPECT_NE(feed.entries[0].summary_html->find("First!"), std::string::npos);
  EXPECT_EQ(feed.entries[3].summary_html->find("No comments yet"), std::string::npos);
}

TEST(Rules, IncludeAndExcludeAreKeepAndSkipOnTitleOrContent) {
  const RuleSet rules(shorthand_rules({"rust", "wal"}, {"borrow checker"}, "feeds.blog"));
  EXPECT_EQ(delivered_titles(rules, fixture_feed()),
            (std::vector<std::string>{"Rust 1.80 released", "SQLite WAL mode explained"}));
  EXPECT_EQ(rules.rules().front().origin, "feeds.blog include");
}

TEST(Rules, NoRulesDeliverEverythingUnchanged) {
  const RuleSet rules;
  auto feed = fixture_feed();
  const auto copy = feed.entries;
  for (auto& e : feed.entries) {
    EXPECT_TRUE(rules.judge(e).deliver);
    EXPECT_TRUE(rules.rewrite(e, rules.judge(e)).empty());
  }
  EXPECT_EQ(feed.entries, copy);
}

TEST(Rules, BadPatternsRewritesAndSelectorsAreExplained) {
  EXPECT_TRUE(pattern_error("(?=x)").has_value());
  EXPECT_FALSE(pattern_error("a+b").has_value());
  EXPECT_TRUE(rewrite_error("(a)", "\\2").has_value());
  EXPECT_FALSE(rewrite_error("(a)", "\\1").has_value());
  const auto e = selector_error("div > p");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->offset, 4u);
  EXPECT_NE(e->message.find("not supported"), std::string::npos);
  EXPECT_EQ(selector_error("div.")->offset, 4u);
  EXPECT_EQ(selector_error("a[href]")->offset, 1u);
  EXPECT_TRUE(selector_error("").has_value());
  EXPECT_TRUE(selector_error("a,").has_value());
  EXPECT_FALSE(selector_error(" div.ad , #comments,aside  section.x#y ").has_value());
}

TEST(Rules, RulesThatDoNotCompileAreDroppedNotFatal) {
  const RuleSet rules({rule(RuleAction::skip, {{RuleField::title, "(?=x)"}}),
                       rule(RuleAction::strip, {}, "div >"), rule(RuleAction::keep, {})});
  EXPECT_EQ(rules.rules().size(), 1u);
}

TEST(Rules, AHugeEntryIsMatchedInLinearTime) {
  feeds::Entry e;
  e.title = std::string(200'000, 'a');
  e.content_html = "<p>" + std::string(200'000, 'a') + "</p>";
  const RuleSet rules(
      {rule(RuleAction::skip, {{RuleField::title, "(a|aa)*b"}}), replace_rule("(a|aa)*$", "x")});
  const RuleVerdict v = rules.judge(e);
  EXPECT_TRUE(v.deliver);
  EXPECT_EQ(rules.rewrite(e, v).at(0).count, 1u);
  EXPECT_EQ(e.content_html, "<p>x</p>");
}

} // namespace
} // namespace feedpop::content
