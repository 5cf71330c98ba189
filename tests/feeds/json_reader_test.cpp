// JSON feeds are read by the feed parser's own JSON reader, which must accept and refuse
// exactly what nlohmann's parser does (it replaced it for speed): each case is checked
// against nlohmann itself, and decoded values against what RFC 8259 says they mean.
#include "feeds/json_reader.hpp"

#include "feeds/json_parser.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace feedpop::feeds::json {
namespace {

// A JSON Feed whose title is the raw JSON text `title_json`.
std::string feed_with_title(std::string_view title_json) {
  return std::string(R"({"version":"https://jsonfeed.org/version/1.1","title":)") +
         std::string(title_json) + R"(,"items":[]})";
}

TEST(JsonReader, EscapesAndSurrogatePairsAreDecoded) {
  auto f = parse_json_feed(feed_with_title(R"("caf\u00e9 \ud83d\ude00 \/ \"q\" \\ \u00E9")"), {});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->title, "caf\xC3\xA9 \xF0\x9F\x98\x80 / \"q\" \\ \xC3\xA9");
}

TEST(JsonReader, AcceptsAndRefusesExactlyWhatNlohmannDoes) {
  const std::vector<std::string> titles = {R"("plain")",
                                           R"("\ud83d")",
                                           R"("\udc00")",
                                           R"("\ud83d\u0041")",
                                           R"("\x")",
                                           "\"tab\there\"",
                                           R"("\u12")",
                                           R"("unterminated)",
                                           "[1,2,]",
                                           "[01]",
                                           "[1.]",
                                           "[-]",
                                           "[1e5,-0,2E-3]",
                                           "[1-2]",
                                           "[tru]",
                                           "[true false]",
                                           "{\"a\" 1}",
                                           "{,}",
                                           "nul",
                                           "[18446744073709551616]",
                                           "\"\\u0000x\"",
                                           "[\"a\",]",
                                           "{\"a\":1,\"a\":2}",
                                           "\"\xC3\xA9\""};
  for (const std::string& t : titles) {
    std::string doc = feed_with_title(t);
    bool nlohmann_reads = !nlohmann::json::parse(doc, nullptr, false).is_discarded();
    EXPECT_EQ(parse_json_feed(doc, {}).has_value(), nlohmann_reads) << doc;
    auto mine = read_json(t);
    auto theirs = nlohmann::json::parse(t, nullptr, false);
    ASSERT_EQ(mine.has_value(), !theirs.is_discarded()) << t;
    if (mine) {
      EXPECT_EQ(mine->dump(), theirs.dump()) << t; // dump() tells 1 from 1.0
    }
  }
}

TEST(JsonReader, ARepeatedKeyKeepsTheLastValue) {
  auto f = parse_json_feed(R"({"version":"1.1","title":"first","items":[],"title":"last"})", {});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->title, "last");
}

TEST(JsonReader, ByteOrderMarkAndTextAfterANulByteAreIgnoredAsNlohmannDoes) {
  std::string doc = "\xEF\xBB\xBF" + feed_with_title(R"("t")");
  ASSERT_TRUE(parse_json_feed(doc, {}));
  doc += std::string("\0 trailing", 10);
  EXPECT_FALSE(nlohmann::json::parse(doc, nullptr, false).is_discarded());
  EXPECT_TRUE(parse_json_feed(doc, {}));
  EXPECT_FALSE(parse_json_feed("\xEF\xBB{}", {}));
  EXPECT_FALSE(parse_json_feed(feed_with_title(R"("t")") + " x", {}));
}

TEST(JsonReader, NumbersKeepNlohmannsIntegerAndFloatReading) {
  auto f = parse_json_feed(R"({"version":"1.1","items":[{"id":1.50,"attachments":[
      {"url":"a","size_in_bytes":12345},{"url":"b","size_in_bytes":1.5e3},
      {"url":"c","size_in_bytes":18446744073709551616},{"url":"d","size_in_bytes":-1}]}]})",
                           {});
  ASSERT_TRUE(f);
  ASSERT_EQ(f->entries.size(), 1u);
  const Entry& e = f->entries[0];
  EXPECT_EQ(e.id, nlohmann::json::parse("1.50").dump()); // a number id is written as dumped
  ASSERT_EQ(e.enclosures.size(), 4u);
  EXPECT_EQ(e.enclosures[0].length, 12345);
  EXPECT_EQ(e.enclosures[1].length, 1500);
  EXPECT_EQ(e.enclosures[2].length, std::nullopt); // read as a float beyond the range
  EXPECT_EQ(e.enclosures[3].length, std::nullopt);
}

TEST(JsonReader, NestingDeeperThan256LevelsIsRefusedEvenAfterANulByte) {
  auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  EXPECT_TRUE(read_json(nested(256)));
  EXPECT_FALSE(read_json(nested(257)));
  EXPECT_TRUE(parse_json_feed(R"({"version":"1.1","items":[],"x":)" + nested(255) + "}", {}));
  EXPECT_FALSE(parse_json_feed(R"({"version":"1.1","items":[],"x":)" + nested(256) + "}", {}));
  std::string after_nul = R"({"version":"1.1","items":[]})" + std::string(1, '\0');
  EXPECT_TRUE(parse_json_feed(after_nul + nested(256), {}));
  EXPECT_FALSE(parse_json_feed(after_nul + nested(257), {}));
}

} // namespace
} // namespace feedpop::feeds::json
