#include "ingest/entry_filter.hpp"

#include <gtest/gtest.h>

namespace feedpop::ingest {
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

TEST(EntryFilter, ATwoHundredThousandCharacterTitleIsMatchedWithoutExhaustingTheStack) {
  const EntryFilter filter({"rust(.|\n)*release"}, {});
  EXPECT_TRUE(filter.accepts(entry("rust " + filler(200'000) + " release")));
  EXPECT_FALSE(filter.accepts(entry("rust " + filler(200'000))));
}

TEST(EntryFilter, AWholeTwoHundredKilobyteBodyIsSearched) {
  const EntryFilter filter({}, {"rust(.|\n)*release"});
  const std::string body = "<p>rust</p><pre>" + filler(200 * 1024) + "</pre><p>release</p>";
  EXPECT_FALSE(filter.accepts(entry("news", body))); // excluded: the match ends past 200 KB
  EXPECT_TRUE(filter.accepts(entry("news", "<p>rust</p><pre>" + filler(200 * 1024) + "</pre>")));
}

TEST(EntryFilter, PatternsIgnoreCaseAndSearchTitleAndSummary) {
  const EntryFilter filter({"sqlite"}, {"^sponsored"});
  EXPECT_TRUE(filter.accepts(entry("SQLite 3.45 released")));
  EXPECT_FALSE(filter.accepts(entry("Sponsored: learn SQLite")));
  EXPECT_FALSE(filter.accepts(entry("Gardening")));
  feeds::Entry summary_only = entry("Release notes");
  summary_only.summary_html = "<p>What is new in <b>SQLite</b></p>";
  EXPECT_TRUE(filter.accepts(summary_only));
}

TEST(EntryFilter, NoPatternsAcceptEverything) {
  const EntryFilter filter({}, {});
  EXPECT_TRUE(filter.empty());
  EXPECT_TRUE(filter.accepts(entry("anything")));
}

TEST(EntryFilter, PatternsRe2CannotCompileAreReportedWithItsReason) {
  EXPECT_EQ(filter_pattern_error("C\\+\\+"), std::nullopt);
  EXPECT_EQ(filter_pattern_error("rust(.|\n)*release"), std::nullopt);
  const auto lookahead = filter_pattern_error("rust(?=lang)");
  ASSERT_TRUE(lookahead.has_value());
  EXPECT_NE(lookahead->find("(?="), std::string::npos) << *lookahead;
  EXPECT_TRUE(filter_pattern_error("(a)\\1").has_value()); // no backreferences in RE2
  EXPECT_TRUE(filter_pattern_error("[unclosed").has_value());
}

TEST(EntryFilter, AnUncompilablePatternIsSkippedNotFatal) {
  const EntryFilter filter({"(?=x)", "rust"}, {});
  EXPECT_TRUE(filter.accepts(entry("rust")));
  EXPECT_FALSE(filter.accepts(entry("x")));
}

} // namespace
} // namespace feedpop::ingest
