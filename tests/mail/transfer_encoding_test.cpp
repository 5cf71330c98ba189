#include "mail/transfer_encoding.hpp"

#include <gtest/gtest.h>

#include "mime_decode_support.hpp"

namespace feedpop::mail {
namespace {

using test::crlf_lines;
using test::decode_base64;
using test::decode_quoted_printable;

std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += '\r';
    }
    out += c;
  }
  return out;
}

void expect_short_ascii_crlf_lines(const std::string& encoded) {
  ASSERT_TRUE(encoded.empty() || encoded.ends_with("\r\n"));
  for (const auto& line : crlf_lines(encoded)) {
    EXPECT_LE(line.size(), 76u) << line;
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u < 0x7F) << "byte " << int(u) << " in " << line;
    }
  }
}

TEST(QuotedPrintable, EscapesEqualsAndEightBitAndKeepsTheRest) {
  EXPECT_EQ(quoted_printable("a=b café\n"), "a=3Db caf=C3=A9\r\n");
}

TEST(QuotedPrintable, EncodesTrailingWhiteSpaceOnly) {
  EXPECT_EQ(quoted_printable("a b \nc\t\n-- \n"), "a b=20\r\nc=09\r\n--=20\r\n");
}

TEST(QuotedPrintable, ProtectsFromLinesForMbox) {
  EXPECT_EQ(quoted_printable("From here\nnot From here\n"), "=46rom here\r\nnot From here\r\n");
}

TEST(QuotedPrintable, SoftBreaksLongLinesWithoutSplittingEscapes) {
  std::string line;
  for (int i = 0; i < 60; ++i) {
    line += "é=x";
  }
  const std::string text = line + "\n" + std::string(200, 'a') + "\n";
  const std::string encoded = quoted_printable(text);
  expect_short_ascii_crlf_lines(encoded);
  EXPECT_EQ(decode_quoted_printable(encoded), crlf(text));
}

TEST(QuotedPrintable, ConvertsEveryLineEndToCrlf) {
  EXPECT_EQ(quoted_printable("a\r\nb\rc\nd"), "a\r\nb\r\nc\r\nd\r\n");
}

TEST(Base64, EncodesTheCanonicalFormInLinesOf76) {
  const std::string text = std::string(100, 'x') + "\n日本\n";
  const std::string encoded = base64_body(text);
  expect_short_ascii_crlf_lines(encoded);
  EXPECT_EQ(crlf_lines(encoded)[0].size(), 76u);
  EXPECT_EQ(decode_base64(encoded), crlf(text));
  EXPECT_EQ(base64_body("a\n"), "YQ0K\r\n");
}

TEST(EncodeText, PicksQuotedPrintableForMostlyAsciiText) {
  const auto body = encode_text("Hello world, with one é.\n");
  EXPECT_EQ(body.transfer_encoding, "quoted-printable");
  EXPECT_EQ(decode_quoted_printable(body.text), "Hello world, with one é.\r\n");
}

TEST(EncodeText, PicksBase64ForMostlyNonLatinText) {
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += "これは日本語の文章です。\n";
  }
  const auto body = encode_text(text);
  EXPECT_EQ(body.transfer_encoding, "base64");
  EXPECT_EQ(decode_base64(body.text), crlf(text));
  EXPECT_LT(body.text.size(), quoted_printable(text).size());
}

} // namespace
} // namespace feedpop::mail
