// common/utf8: well-formedness (RFC 3629) and the one repair policy, U+FFFD per maximal
// ill-formed subpart (Unicode §3.9, Table 3-8; Python's errors="replace" agrees).
#include "common/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace feedpop::utf8 {
namespace {

const std::string fffd(replacement);

TEST(Utf8, ValidatesRfc3629) {
  EXPECT_TRUE(is_valid(""));
  EXPECT_TRUE(is_valid("plain ascii, longer than sixteen bytes"));
  EXPECT_TRUE(is_valid("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
  for (const char* bad :
       {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xF5\x80\x80\x80", "\xFF", "\xE2\x82", "\xF0\x9F\x98"}) {
    EXPECT_FALSE(is_valid(bad)) << bad;
    EXPECT_FALSE(is_valid(std::string(20, 'x') + bad + std::string(20, 'y'))) << bad;
  }
}

TEST(Utf8, RepairReplacesEachMaximalSubpartOnce) {
  // Unicode 15 Table 3-8.
  EXPECT_EQ(repair("a\xF1\x80\x80\xE1\x80\xC2"
                   "b\x80"
                   "c\x80\xBF"
                   "d"),
            "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d");
  // A truncated sequence is one character; lone continuation bytes are one each.
  EXPECT_EQ(repair("\xE2\x82"), fffd);
  EXPECT_EQ(repair("x\xF0\x9F\x98y"), "x" + fffd + "y");
  EXPECT_EQ(repair("\x80\x80"), fffd + fffd);
  // Surrogates and overlongs are never the start of a character: every byte is replaced.
  EXPECT_EQ(repair("\xED\xA0\x80"), fffd + fffd + fffd);
  EXPECT_EQ(repair("\xC0\xAF"), fffd + fffd);
  EXPECT_EQ(repair("\xE0\x80\xAF"), fffd + fffd + fffd);
  EXPECT_EQ(repair("ok \xC3\xA9"), "ok \xC3\xA9");
}

TEST(Utf8, ScanGivesLengthsOfCharactersAndSubparts) {
  EXPECT_EQ(scan("\xF0\x9F\x98\x80", 0).length, 4U);
  EXPECT_TRUE(scan("\xF0\x9F\x98\x80", 0).valid);
  EXPECT_EQ(scan("\xF0\x9F\x98!", 0).length, 3U);
  EXPECT_FALSE(scan("\xF0\x9F\x98!", 0).valid);
  EXPECT_EQ(sequence_length("\xC3\xA9", 0), 2U);
  EXPECT_EQ(sequence_length("\xC3", 0), 0U);
  EXPECT_EQ(decode("\xE2\x82\xAC", 0, 3), U'\u20AC');
}

TEST(Utf8, WidthCountsCharactersAndSubparts) {
  EXPECT_EQ(width("caf\xC3\xA9"), 4U);
  EXPECT_EQ(width("\xE2\x82!"), 2U);
  EXPECT_EQ(width(repair("\xE2\x82!")), width("\xE2\x82!"));
}

TEST(Utf8, AppendEncodesAndReplacesNonCharacters) {
  std::string out;
  append(out, U'A');
  append(out, 0xE9);
  append(out, 0x20AC);
  append(out, 0x1F600);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  out.clear();
  append(out, 0xD800);
  append(out, 0x110000);
  EXPECT_EQ(out, fffd + fffd);
}

} // namespace
} // namespace feedpop::utf8
