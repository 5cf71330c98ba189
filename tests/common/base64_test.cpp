// common/base64: RFC 4648 §10 test vectors, strictness for SASL, leniency for feeds,
// MIME line wrapping (RFC 2045 §6.8).
#include "common/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace feedpop::base64 {
namespace {

const std::vector<std::pair<std::string, std::string>> rfc4648_vectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    EXPECT_EQ(encode(plain), encoded) << plain;
    EXPECT_EQ(encoded_size(plain.size()), encoded.size()) << plain;
  }
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (const auto& [plain, encoded] : rfc4648_vectors) {
    EXPECT_EQ(decode(encoded), plain) << encoded;
    EXPECT_EQ(decode_lenient(encoded), plain) << encoded;
  }
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string all;
  for (int i = 0; i < 256; ++i) {
    all += static_cast<char>(i);
  }
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(decode(encode(part)), part) << n;
  }
  EXPECT_EQ(encode("\xfb\xff"), "+/8=");
}

TEST(Base64, StrictDecodeRejectsMalformedInput) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Zg==Zg==", "Z===", "====", "Zm=v", "Zm9v\r\n",
                          " Zm9v", "Zm 9v", "Zm9v-_==", "Zm9v!A=="}) {
    EXPECT_EQ(decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(decode(std::string_view("Zm9v\0\0\0\0", 8)), std::nullopt);
}

TEST(Base64, LenientDecodeSkipsWhiteSpaceOnly) {
  EXPECT_EQ(decode_lenient("  Zm9v\r\n YmFy\t\n"), "foobar");
  EXPECT_EQ(decode_lenient("Zm\n8="), "fo");
  EXPECT_EQ(decode_lenient("Zm9v!"), std::nullopt);
  EXPECT_EQ(decode_lenient("Zm8"), std::nullopt);
  EXPECT_EQ(decode_lenient(" \n "), "");
}

TEST(Base64, EncodeLinesWrapsAt76WithCrlf) {
  EXPECT_EQ(encode_lines(""), "");
  EXPECT_EQ(encode_lines("a\r\n"), "YQ0K\r\n");
  const std::string text(200, 'x');
  const std::string wrapped = encode_lines(text);
  EXPECT_EQ(wrapped.size(), encoded_lines_size(text.size()));
  std::string joined;
  std::size_t pos = 0;
  while (pos < wrapped.size()) {
    const std::size_t end = wrapped.find("\r\n", pos);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - pos, 76U);
    joined += wrapped.substr(pos, end - pos);
    pos = end + 2;
  }
  EXPECT_EQ(joined, encode(text));
  EXPECT_EQ(decode_lenient(wrapped), text);
  // A full last line gets its CRLF too, and no empty line follows.
  EXPECT_EQ(encode_lines(std::string(57, 'y')).size(), 78U);
}

TEST(Base64, ShorterLinesStayMultiplesOfFour) {
  EXPECT_EQ(encode_lines("foobar", 8), "Zm9vYmFy\r\n");
  EXPECT_EQ(encode_lines("foobar", 4), "Zm9v\r\nYmFy\r\n");
  EXPECT_EQ(encode_lines("foobar", 6), "Zm9v\r\nYmFy\r\n");
}

} // namespace
} // namespace feedpop::base64
