// feeds.yaml's include / exclude lists, as the rules they are shorthands for.

#include <gtest/gtest.h>

#include "content/rules.hpp"

namespace feedpop::content {
namespace {

feeds::Entry entry(std::string title, std::optional<std::string> html = std::nullopt) {
  feeds::Entry e;
  e.title = std::move(title);
  e.content_html = std::move(html);
  return e;
}

// Lines of filler: every character class the pattern's (.|\n)* alternation must step over.
std::string filler(std::size_t bytes) {
  std::string out;
  while (out.size() < bytes) {
    out += "lorem ipsum dolor sit amet\n";
  }
  out.resize(bytes);
  return out;
}

bool accepts(const std::vector<std::string>& include, const std::vector<std::string>& exclude,
             const feeds::Entry& e) {
  return RuleSet(shorthand_rules(include, exclude, "feeds.test")).judge(e).deliver;
}

TEST(IncludeExclude, ATwoHundredThousandCharacterTitleIsMatchedWithoutExhaustingTheStack) {
  EXPECT_TRUE(accepts({"rust(.|\n)*release"}, {}, entry("rust " + filler(200'000) + " release")));
  EXPECT_FALSE(accepts({"rust(.|\n)*release"}, {}, entry("rust " + filler(200'000))));
}

TEST(IncludeExclude, AWholeTwoHundredKilobyteBodyIsSearched) {
  const std::string body = "<p>rust</p><pre>" + filler(200 * 1024) + "</pre><p>release</p>";
  EXPECT_FALSE(accepts({}, {"rust(.|\n)*release"}, entry("news", body))); // match ends past 200 KB
  EXPECT_TRUE(accepts({}, {"rust(.|\n)*release"},
                      entry("news", "<p>rust</p><pre>" + filler(200 * 1024) + "</pre>")));
}

TEST(IncludeExclude, PatternsIgnoreCaseAndSearchTitleAndSummary) {
  const std::vector<std::string> include{"sqlite"};
  const std::vector<std::string> exclude{"^sponsored"};
  EXPECT_TRUE(accepts(include, exclude, entry("SQLite 3.45 released")));
  EXPECT_FALSE(accepts(include, exclude, entry("Sponsored: learn SQLite")));
  EXPECT_FALSE(accepts(include, exclude, entry("Gardening")));
  feeds::Entry summary_only = entry("Release notes");
  summary_only.summary_html = "<p>What is new in <b>SQLite</b></p>";
  EXPECT_TRUE(accepts(include, exclude, summary_only));
}

TEST(IncludeExclude, NoPatternsAcceptEverything) {
  EXPECT_TRUE(shorthand_rules({}, {}, "feeds.test").empty());
  EXPECT_TRUE(accepts({}, {}, entry("anything")));
}

TEST(IncludeExclude, PatternsRe2CannotCompileAreReportedWithItsReason) {
  EXPECT_EQ(pattern_error("C\\+\\+"), std::nullopt);
  EXPECT_EQ(pattern_error("rust(.|\n)*release"), std::nullopt);
  const auto lookahead = pattern_error("rust(?=lang)");
  ASSERT_TRUE(lookahead.has_value());
  EXPECT_NE(lookahead->find("(?="), std::string::npos) << *lookahead;
  EXPECT_TRUE(pattern_error("(a)\\1").has_value()); // no backreferences in RE2
  EXPECT_TRUE(pattern_error("[unclosed").has_value());
}

TEST(IncludeExclude, AnUncompilablePatternIsSkippedNotFatal) {
  EXPECT_TRUE(accepts({"(?=x)", "rust"}, {}, entry("rust")));
  EXPECT_FALSE(accepts({"(?=x)", "rust"}, {}, entry("x")));
}

} // namespace
} // namespace feedpop::content
