#include "feeds/html.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace feedpop::feeds::html {
namespace {

std::vector<Token> tokens_of(std::string_view s) {
  std::vector<Token> out;
  tokenize(s, [&](const Token& t) { out.push_back(t); });
  return out;
}

TEST(HtmlDecode, NamedEntitiesUndefinedInXmlAreDecoded) {
  EXPECT_EQ(decode_entities("caf&eacute; &nbsp;&amp;&lt;&gt;&quot;&apos;"),
            "caf\xC3\xA9 \xC2\xA0&<>\"'");
  EXPECT_EQ(decode_entities("&hellip;&rsquo;&mdash;&euro;&trade;"),
            "\xE2\x80\xA6\xE2\x80\x99\xE2\x80\x94\xE2\x82\xAC\xE2\x84\xA2");
}

TEST(HtmlDecode, NumericReferencesDecimalAndHex) {
  EXPECT_EQ(decode_entities("&#65;&#x42;&#X43;&#233;"), "ABC\xC3\xA9");
  EXPECT_EQ(decode_entities("&#128512;"), "\xF0\x9F\x98\x80");
}

TEST(HtmlDecode, C1ReferencesMeanWindows1252) {
  EXPECT_EQ(decode_entities("&#146;&#150;"), "\xE2\x80\x99\xE2\x80\x93");
}

TEST(HtmlDecode, InvalidCodePointsBecomeReplacementCharacter) {
  EXPECT_EQ(decode_entities("&#0;&#xD800;&#x110000;"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(HtmlDecode, UnknownOrBrokenReferencesStayAsWritten) {
  EXPECT_EQ(decode_entities("AT&T &bogus; & &#; &#x;"), "AT&T &bogus; & &#; &#x;");
}

TEST(HtmlDecode, LegacyNamesWithoutSemicolonButNotInQueryStrings) {
  EXPECT_EQ(decode_entities("a &amp b"), "a & b");
  EXPECT_EQ(decode_entities("?x=1&copy=2"), "?x=1&copy=2");
}

TEST(HtmlEscape, EscapesMarkupCharacters) {
  EXPECT_EQ(escape("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

TEST(HtmlTokenize, StartTagWithAttributesInEveryQuotingStyle) {
  auto t = tokens_of("<A HREF='x&amp;y' title=\"t\" data-x=plain checked/>");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].kind, Token::Kind::start_tag);
  EXPECT_EQ(t[0].name, "a");
  ASSERT_EQ(t[0].attrs.size(), 4u);
  EXPECT_EQ(t[0].attrs[0], (std::pair<std::string, std::string>{"href", "x&y"}));
  EXPECT_EQ(t[0].attrs[1].second, "t");
  EXPECT_EQ(t[0].attrs[2].second, "plain");
  EXPECT_EQ(t[0].attrs[3].first, "checked");
  EXPECT_TRUE(t[0].self_closing);
}

TEST(HtmlTokenize, TextCommentsEndTagsAndDoctype) {
  auto t = tokens_of("<!DOCTYPE html>a &lt; b<!-- c --></P>");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[0].kind, Token::Kind::doctype);
  EXPECT_EQ(t[1].text, "a < b");
  EXPECT_EQ(t[2].kind, Token::Kind::comment);
  EXPECT_EQ(t[2].text, " c ");
  EXPECT_EQ(t[3].kind, Token::Kind::end_tag);
  EXPECT_EQ(t[3].name, "p");
}

TEST(HtmlTokenize, LoneLessThanIsText) {
  auto t = tokens_of("1 < 2 <3");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].text, "1 < 2 <3");
}

TEST(HtmlTokenize, ScriptContentIsRawText) {
  auto t = tokens_of("<script>if (a<b) x='</p>';</script>z");
  ASSERT_EQ(t.size(), 4u);
  EXPECT_EQ(t[1].text, "if (a<b) x='</p>';");
  EXPECT_EQ(t[2].kind, Token::Kind::end_tag);
  EXPECT_EQ(t[3].text, "z");
}

TEST(HtmlTokenize, UnterminatedConstructsNeverOverrun) {
  for (std::string_view s :
       {"<a href='x", "<!--", "<!x", "</a", "<script>x", "<![CDATA[x", "&#", "&#x", "&", "<"}) {
    EXPECT_NO_THROW(tokens_of(s)) << s;
  }
}

TEST(HtmlSanitize, RemovesScriptsStylesHandlersAndJavascriptUrls) {
  EXPECT_EQ(sanitize("<p onclick='x()'>hi<script>alert(1)</script><style>p{}</style></p>"
                     "<a href=' java\tscript:alert(1)'>x</a>",
                     ""),
            "<p>hi</p><a>x</a>");
}

TEST(HtmlSanitize, UnknownElementsKeepTheirText) {
  EXPECT_EQ(sanitize("<blink>on</blink> <form><input>f</form>", ""), "on f");
}

TEST(HtmlSanitize, ResolvesRelativeUrlsAgainstBase) {
  EXPECT_EQ(
      sanitize("<a href=\"../b?q=1&amp;r=2\">x</a><img src=/i.png>", "http://example.com/a/c/page"),
      "<a href=\"http://example.com/a/b?q=1&amp;r=2\">x</a>"
      "<img src=\"http://example.com/i.png\" />");
}

TEST(HtmlSanitize, BalancesTags) {
  EXPECT_EQ(sanitize("<b><i>x</b></u>y<p>z", ""), "<b><i>x</i></b>y<p>z</p>");
}

TEST(HtmlSanitize, EscapesTextAndKeepsEntitiesMeaning) {
  EXPECT_EQ(sanitize("a &amp; b &lt;c&gt; &nbsp;", ""), "a &amp; b &lt;c&gt; \xC2\xA0");
}

TEST(HtmlSanitize, StyleWithUrlIsDropped) {
  EXPECT_EQ(sanitize("<span style=\"background:url(x)\" class=c>t</span>", ""),
            "<span class=\"c\">t</span>");
}

TEST(HtmlSanitize, SchemesAreCheckedAfterResolution) {
  // A base that is itself unsafe turns relative references into javascript: URLs.
  for (const char* base : {"javascript:alert(1)//", "data:text/html,x/", " VBScript:x/"}) {
    const std::string out = sanitize("<a href=\"page\">a</a><img src=\"i.png\">", base);
    EXPECT_EQ(out, "<a>a</a><img />") << base;
  }
  EXPECT_EQ(sanitize("<a href=\"j&#x61;vascript:x\">a</a><a href=\" java\tscript:x\">b</a>", ""),
            "<a>a</a><a>b</a>");
  EXPECT_EQ(sanitize("<a href=\"file:///etc/passwd\">f</a><a href=\"ftp://h/x\">g</a>", ""),
            "<a>f</a><a>g</a>");
  EXPECT_EQ(sanitize("<a href=\"mailto:a@b.c\">m</a><a href=\"?q\">r</a>", "https://e.com/p"),
            "<a href=\"mailto:a@b.c\">m</a><a href=\"https://e.com/p?q\">r</a>");
}

TEST(HtmlSanitize, InlineImageSchemesOnlyInImageSources) {
  EXPECT_EQ(sanitize("<img src=\"data:image/png;base64,AAAA\"><img src=\"cid:part1\">", ""),
            "<img src=\"data:image/png;base64,AAAA\" /><img src=\"cid:part1\" />");
  EXPECT_EQ(sanitize("<a href=\"data:image/svg+xml,x\">d</a><a href=\"cid:p\">c</a>", ""),
            "<a>d</a><a>c</a>");
  EXPECT_EQ(sanitize("<img src=\"data:text/html,x\"><video poster=\"cid:p\"></video>", ""),
            "<img />"); // no usable source or poster: nothing (feeds/html_embeds.hpp)
}

TEST(HtmlSanitize, TrackingPixelsAreRemoved) {
  for (const char* img :
       {"<img src=\"https://e.com/p.gif\" width=\"1\" height=\"1\">",
        "<img src=\"https://e.com/p.gif\" height=0>", "<img src=/p.gif width=\"1px\">",
        "<img src=\"https://pixel.wp.com/g.gif?blog=1\">",
        "<img src=\"https://STATS.wordpress.com/b.gif\">",
        "<img src=\"http://www.google-analytics.com/collect?v=1\" alt=\"\">",
        "<img src=\"https://ad.doubleclick.net/x\">", "<img src=\"https://mc.yandex.ru/watch/1\">",
        "<img src=\"http://feeds.feedburner.com/~r/Blog/~4/abc\">",
        "<img src=\"//feedproxy.google.com/~r/Blog/~4/abc\">"}) {
    EXPECT_EQ(sanitize(std::string("<p>a") + img + "b</p>", "https://e.com/"), "<p>ab</p>") << img;
  }
  // Ordinary images stay, including from the same hosts' other paths and look-alike hosts.
  for (const char* img : {"<img src=\"https://e.com/cat.png\" width=\"100\" height=\"10\">",
                          "<img src=\"http://feeds.feedburner.com/Blog.png\">",
                          "<img src=\"https://notdoubleclick.net/a.png\">"}) {
    EXPECT_NE(sanitize(img, "").find("<img src="), std::string::npos) << img;
  }
}

TEST(HtmlSanitize, StylesThatCouldFetchAreDropped) {
  for (const char* style :
       {"background:u\\72l(https://t.example/x)",
        "background-image:image-set('https://t.example/x.png' 1x)",
        "background:-webkit-image-set(url(x) 1x)", "background:\\75rl(x)",
        "list-style:image(\"x.png\")", "behavior: url(x.htc)", "width:expression(alert(1))",
        "@import 'x.css'", "background:cross-fade(x.png, y.png)"}) {
    EXPECT_EQ(sanitize(std::string("<span style=\"") + style + "\">t</span>", ""), "<span>t</span>")
        << style;
  }
  EXPECT_EQ(sanitize("<span style=\"color:red; font-weight:bold\">t</span>", ""),
            "<span style=\"color:red; font-weight:bold\">t</span>");
}

TEST(HtmlToText, StripsMarkupDecodesAndCollapsesWhitespace) {
  EXPECT_EQ(to_text("  <b>Fish</b> &amp;\n\n chips<script>x</script>  "), "Fish & chips");
}

} // namespace
} // namespace feedpop::feeds::html

namespace feedpop::feeds::html {
namespace {

TEST(HtmlTokenize, UnterminatedTagAtTheEndIsText) {
  EXPECT_EQ(to_text("start a link with <a href="), "start a link with <a href=");
  EXPECT_EQ(sanitize("x <img src='y", ""), "x &lt;img src='y");
}

} // namespace
} // namespace feedpop::feeds::html
