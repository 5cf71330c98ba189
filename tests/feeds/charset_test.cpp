#include <gtest/gtest.h>
#include <string>

#include "common/utf8.hpp"
#include "feeds/charset.hpp"
#include "feeds/parse.hpp"
#include "fixture_support.hpp"

namespace feedpop::feeds {
namespace {

using testing::parse_fixture;

struct Case {
  const char* file;
  const char* title;
  const char* item;
};

class DeclaredEncoding : public ::testing::TestWithParam<Case> {};

TEST_P(DeclaredEncoding, IsDecodedToUtf8) {
  Feed f = parse_fixture(GetParam().file);
  EXPECT_EQ(f.title, GetParam().title);
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, GetParam().item);
  EXPECT_FALSE(f.bozo.has_value()) << *f.bozo;
}

INSTANTIATE_TEST_SUITE_P(
    Charsets, DeclaredEncoding,
    ::testing::Values(
        Case{"windows1252_declared.xml", "Smart \u201cquotes\u201d \u2013 \u20ac5", "Caf\u00e9"},
        Case{"iso8859_2_declared.xml", "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105",
             "\u0141\u00f3d\u017a"},
        Case{"koi8r_declared.xml", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440",
             "\u041d\u043e\u0432\u043e\u0441\u0442\u0438"},
        Case{"gb2312_declared.xml", "\u4e2d\u6587\u65b0\u95fb", "\u4f60\u597d"},
        Case{"big5_declared.xml", "\u7e41\u9ad4\u4e2d\u6587", "\u65b0\u805e"},
        Case{"shift_jis_declared.xml", "\u65e5\u672c\u8a9e\u306e\u30cb\u30e5\u30fc\u30b9",
             "\u3053\u3093\u306b\u3061\u306f"},
        Case{"euc_jp_declared.xml", "\u65e5\u672c\u8a9e\u306e\u30cb\u30e5\u30fc\u30b9",
             "\u3055\u3088\u3046\u306a\u3089"},
        Case{"utf16le_bom.xml", "UTF-16 \u201ctitle\u201d", "x"}));

TEST(Charset, WrongDeclaredUtf8FallsBackToWindows1252AndSaysSo) {
  Feed f = parse_fixture("declared_utf8_really_latin1.xml");
  EXPECT_EQ(f.title, "Caf\u00e9");
  ASSERT_TRUE(f.bozo.has_value());
  EXPECT_NE(f.bozo->find("windows-1252"), std::string::npos);
}

TEST(Charset, HttpCharsetWinsOverTheXmlDeclaration) {
  std::string doc = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\"><channel>"
                    "<title>\xD0\x9C</title></channel></rss>";
  Feed f =
      testing::parse_ok(doc, {.base_url = "", .content_type = "application/xml; charset=UTF-8"});
  EXPECT_EQ(f.title, "\u041c");
  Feed g = testing::parse_ok(doc);
  // Read as declared (ISO-8859-1); the C1 control U+009C is read as windows-1252's "œ".
  EXPECT_EQ(g.title, "\u00d0\u0153");
}

TEST(Charset, BomDecidesWithoutADeclaration) {
  charset::Decoded d = charset::to_utf8(std::string_view("\xEF\xBB\xBF<a>\xC3\xA9</a>"), "");
  EXPECT_EQ(d.utf8, "<a>\xC3\xA9</a>");
  EXPECT_EQ(d.encoding, "utf-8");
  charset::Decoded owned = charset::to_utf8(std::string("\xEF\xBB\xBF<a>\xC3\xA9</a>"), "");
  EXPECT_EQ(owned.utf8, "<a>\xC3\xA9</a>");
  EXPECT_EQ(owned.encoding, "utf-8");
}

TEST(Charset, AUtf8DocumentHandedOverIsUsedWithoutACopy) {
  std::string doc = "<?xml version=\"1.0\"?><rss><channel><title>\xC3\xA9t\xC3\xA9</title>" +
                    std::string(200, ' ') + "</channel></rss>";
  std::string expected = doc;
  const char* buffer = doc.data();
  charset::Decoded d = charset::to_utf8(std::move(doc), "application/rss+xml");
  EXPECT_EQ(d.utf8, expected);
  EXPECT_EQ(d.utf8.data(), buffer);
  EXPECT_EQ(d.problem, "");
}

TEST(Charset, AHandedOverDocumentInAnotherCharsetIsStillConverted) {
  charset::Decoded d = charset::to_utf8(
      std::string("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>\xE9</a>"), "");
  EXPECT_EQ(d.utf8, "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a>\xC3\xA9</a>");
  EXPECT_EQ(d.encoding, "iso-8859-1");
}

TEST(Charset, OutputIsAlwaysValidUtf8) {
  for (std::string bytes : {std::string("\xFF\xFE\xFD<x/>"), std::string("<x>\x80\x81\x8D</x>"),
                            std::string("<?xml encoding=\"nonsense-42\"?><x>\xE9</x>")}) {
    charset::Decoded d = charset::to_utf8(bytes, "text/xml; charset=bogus");
    EXPECT_TRUE(utf8::is_valid(d.utf8)) << bytes;
  }
}

} // namespace
} // namespace feedpop::feeds
