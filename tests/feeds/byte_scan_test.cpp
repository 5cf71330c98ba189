// The hot scans (HTML escaping, the XML prepass, UTF-8 validation) read 16 bytes per step
// with a per-byte tail: every position of a long input must be found, in the block or after.
#include <gtest/gtest.h>
#include <string>

#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"
#include "feeds/xml_prepass.hpp"

namespace feedpop::feeds {
namespace {

TEST(ByteScan, EscapeFindsEveryMarkupCharacterAtEveryOffset) {
  for (char special : {'&', '<', '>', '"'}) {
    for (std::size_t p = 0; p < 40; ++p) {
      std::string text(40, 'a');
      text[p] = special;
      text[39 - p] = special;
      std::string expected;
      for (char c : text) {
        expected += c == '&'   ? "&amp;"
                    : c == '<' ? "&lt;"
                    : c == '>' ? "&gt;"
                    : c == '"' ? "&quot;"
                               : std::string(1, c);
      }
      EXPECT_EQ(html::escape(text), expected) << special << " at " << p;
    }
  }
  // Bytes one bit away from the markup characters are left alone.
  EXPECT_EQ(html::escape("$\"&'.<>:;=?>~6*\x80\xFF abcdefghijklmnop"),
            "$&quot;&amp;'.&lt;&gt;:;=?&gt;~6*\x80\xFF abcdefghijklmnop");
}

TEST(ByteScan, Utf8ValidityIsCheckedAtEveryOffset) {
  for (std::size_t p = 0; p < 40; ++p) {
    std::string text(40, 'x');
    EXPECT_TRUE(utf8::is_valid(text.substr(0, p) + "\xC3\xA9" + text.substr(p)));
    EXPECT_TRUE(utf8::is_valid(text.substr(0, p) + "\xF0\x9F\x98\x80" + text.substr(p)));
    EXPECT_FALSE(utf8::is_valid(text.substr(0, p) + "\xC3" + text.substr(p))) << p;
    EXPECT_FALSE(utf8::is_valid(text.substr(0, p) + "\xED\xA0\x80" + text.substr(p))) << p;
    EXPECT_FALSE(utf8::is_valid(text + "\xE2\x82")) << "truncated at the end";
  }
}

TEST(ByteScan, PrepassRepairsAtEveryOffsetAndSkipsOrdinaryTags) {
  for (std::size_t p = 0; p < 40; ++p) {
    std::string body(40, 'x');
    body.insert(p, "\x01");
    std::string doc = "<feed><t a=\"1\">" + body + "</t></feed>";
    EXPECT_EQ(xml::repair_lexical_faults(doc), "invalid control character");
    EXPECT_EQ(doc, "<feed><t a=\"1\">" + std::string(40, 'x') + "</t></feed>");

    std::string with_comment =
        "<feed>" + std::string(p, 'y') + "<!-- \x01 &bogus; --><b/>&nbsp;</feed>";
    EXPECT_EQ(xml::repair_lexical_faults(with_comment), "undefined entity or stray '&'");
    EXPECT_EQ(with_comment,
              "<feed>" + std::string(p, 'y') + "<!-- \x01 &bogus; --><b/>&#160;</feed>");
  }
}

TEST(ByteScan, UrlsWithoutDotSegmentsResolveAsWritten) {
  EXPECT_EQ(url::resolve("http://a/b/c", "http://x/./y/../z?q#f"), "http://x/z?q#f");
  EXPECT_EQ(url::resolve("http://a/b/c", "http://x/y.z/..a/.b"), "http://x/y.z/..a/.b");
  EXPECT_EQ(url::resolve("http://a/b/c", "mailto:a/../b"), "mailto:a/../b"); // no authority
  EXPECT_EQ(url::resolve("http://a/b/c", "d/./e/.."), "http://a/b/d/");
  EXPECT_EQ(url::resolve("http://a/b/c", "d/.e/f.."), "http://a/b/d/.e/f..");
}

} // namespace
} // namespace feedpop::feeds
