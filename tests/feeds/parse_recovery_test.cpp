#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include "feeds/parse.hpp"
#include "fixture_support.hpp"

namespace feedpop::feeds {
namespace {

using testing::parse_fixture;
using testing::parse_ok;

TEST(ParseRecovery, UndefinedHtmlEntitiesAreDecoded) {
  Feed f = parse_fixture("undefined_html_entities.xml");
  EXPECT_EQ(f.title, "Caf\xC3\xA9\xC2\xA0Life");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "Na\xC3\xAFve \xE2\x80\xA6 &bogus; done");
  EXPECT_EQ(f.entries[0].link, "http://e.com/?a=1&b=2");
  EXPECT_TRUE(f.bozo.has_value());
}

TEST(ParseRecovery, NumericReferencesAlwaysDecodeToUtf8) {
  // U+0000, surrogates and values above U+10FFFF are no characters: each becomes U+FFFD;
  // "&#X" (upper case, not XML) is read as "&#x". Nothing else is reported.
  Feed f = parse_ok("<rss version=\"2.0\"><channel><item>"
                    "<title>a&#0;b&#xD800;c&#x110000;d&#X41;&#x42;&#67;</title>"
                    "<category term=\"&#xDFFF;&#X44;\"/></item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(f.entries[0].title, "a" + fffd + "b" + fffd + "c" + fffd + "dABC");
  EXPECT_EQ(f.entries[0].categories, std::vector<std::string>{fffd + "D"});
  EXPECT_FALSE(f.bozo.has_value());
}

TEST(ParseRecovery, InvalidControlCharactersAreDropped) {
  Feed f = parse_fixture("control_characters.xml");
  EXPECT_EQ(f.title, "Ctl chars");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "ab");
}

TEST(ParseRecovery, StrayAmpersandsAreText) {
  Feed f = parse_fixture("stray_ampersand.xml");
  EXPECT_EQ(f.title, "Salt & Pepper");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "R&D & more");
  EXPECT_EQ(f.entries[0].link, "http://e.com/?x=1&y=2");
}

TEST(ParseRecovery, GarbageAfterTheRootIsIgnored) {
  Feed f = parse_fixture("garbage_after_root.xml");
  EXPECT_EQ(f.format, Format::rss20);
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "kept");
}

TEST(ParseRecovery, TruncatedDocumentKeepsTheEntriesBeforeTheCut) {
  Feed f = parse_fixture("unclosed_tag_truncated.xml");
  EXPECT_EQ(f.title, "Cut short");
  ASSERT_GE(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].title, "complete");
  EXPECT_EQ(f.entries[1].title, "also complete");
  ASSERT_TRUE(f.bozo.has_value());
  EXPECT_NE(f.bozo->find("XML error"), std::string::npos);
}

TEST(ParseRecovery, BillionLaughsAndExternalEntitiesAreNeverExpanded) {
  auto start = std::chrono::steady_clock::now();
  Feed f = parse_fixture("billion_laughs.xml");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_TRUE(f.title.has_value());
  EXPECT_LT(f.title->size(), 20u); // the reference stays a literal, unexpanded
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title->find("root:"), std::string::npos);
}

TEST(ParseLimits, DeepNestingIsBoundedNotACrash) {
  std::string doc = "<rss version=\"2.0\"><channel><title>deep</title>";
  for (int i = 0; i < 100000; ++i) {
    doc += "<x>";
  }
  doc += "</channel></rss>";
  Feed f = parse_ok(doc);
  EXPECT_EQ(f.title, "deep");
  EXPECT_TRUE(f.bozo.has_value());
}

TEST(ParseLimits, NestingFarBeyondTheWalkersDepthParsesWithoutRecursion) {
  // The XML parser keeps no stack per level; the walker reads 256 levels and stops.
  std::string doc = "<rss version=\"2.0\"><channel><title>deeper</title><item><title>i</title>";
  for (int i = 0; i < 200000; ++i) {
    doc += "<x>";
  }
  for (int i = 0; i < 200000; ++i) {
    doc += "</x>";
  }
  doc += "</item></channel></rss>";
  Feed f = parse_ok(doc);
  EXPECT_EQ(f.title, "deeper");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "i");
  ASSERT_TRUE(f.bozo.has_value());
  EXPECT_NE(f.bozo->find("depth"), std::string::npos);
}

TEST(ParseLimits, DeeplyNestedJsonIsRefused) {
  std::string doc = "{\"version\":\"1\",\"items\":[";
  doc += std::string(100000, '[');
  ParseResult r = parse(doc);
  auto* feed = std::get_if<Feed>(&r);
  EXPECT_TRUE(feed == nullptr || feed->format != Format::json);
}

TEST(ParseLimits, BracketsInsideJsonStringsAreNotNesting) {
  // Escaped quotes and backslashes do not end a string early.
  const std::string brackets(300, '[');
  const std::string doc = R"({"version": "1", "title": "a \"quoted\" \\)" + brackets +
                          R"(", "items": [{"id": "x\\", "title": ")" + brackets + R"("}]})";
  Feed f = parse_ok(doc);
  EXPECT_EQ(f.format, Format::json);
  EXPECT_EQ(f.title, "a \"quoted\" \\" + brackets);
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].id, "x\\");
}

TEST(ParseLimits, EntryCountIsBounded) {
  std::string doc = "<rss version=\"2.0\"><channel>";
  for (int i = 0; i < 20005; ++i) {
    doc += "<item/>";
  }
  doc += "</channel></rss>";
  Feed f = parse_ok(doc);
  EXPECT_EQ(f.entries.size(), 20000u);
  EXPECT_TRUE(f.bozo.has_value());
}

TEST(ParseLimits, OversizedDocumentIsAClearError) {
  std::string doc(65 * 1024 * 1024, ' ');
  ParseResult r = parse(doc);
  ASSERT_TRUE(std::holds_alternative<ParseError>(r));
  EXPECT_NE(std::get<ParseError>(r).message.find("too large"), std::string::npos);
}

TEST(ParseRecovery, TruncationAtEveryOffsetNeverCrashes) {
  std::string doc = testing::read_fixture("rss20_content_encoded_guid_enclosure.xml");
  for (std::size_t n = 0; n <= doc.size(); n += 7) {
    (void)parse(std::string_view(doc).substr(0, n));
  }
  std::string atom = testing::read_fixture("atom10_nested_xml_base.xml");
  for (std::size_t n = 0; n <= atom.size(); n += 5) {
    (void)parse(std::string_view(atom).substr(0, n));
  }
}

} // namespace
} // namespace feedpop::feeds
