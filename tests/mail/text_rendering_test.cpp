#include "mail/text_rendering.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

namespace feedpop::mail {
namespace {

std::string text_of(std::string_view html, std::size_t width = 72) {
  return html_to_text(html, width).text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

TEST(HtmlToText, ParagraphsAreSeparatedByOneBlankLine) {
  EXPECT_EQ(text_of("<p>First   paragraph\n here.</p><p>Second.</p>\n\n<div>Third</div>"),
            "First paragraph here.\n\nSecond.\n\nThird\n");
}

TEST(HtmlToText, PlainTextHasNoMarkup) {
  const auto plain = html_to_text("Just text &amp; an entity");
  EXPECT_FALSE(plain.has_markup);
  EXPECT_EQ(plain.text, "Just text & an entity\n");
  EXPECT_TRUE(html_to_text("<b>bold</b>").has_markup);
}

TEST(HtmlToText, LineBreaksAreKept) {
  EXPECT_EQ(text_of("<p>one<br>two<br/>three</p>"), "one\ntwo\nthree\n");
}

TEST(HtmlToText, WrapsAtTheWidthBetweenWords) {
  const std::string text =
      text_of("<p>" + std::string(200, ' ') +
                  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
                  "eiusmod tempor incididunt ut labore et dolore magna aliqua</p>",
              40);
  for (const auto& line : lines_of(text)) {
    EXPECT_LE(line.size(), 40u) << line;
  }
  EXPECT_GE(lines_of(text).size(), 3u);
}

TEST(HtmlToText, HeadingsAreOwnParagraphsWithoutMarkdown) {
  const std::string text = text_of("<h1>Title</h1><p>Body <strong>bold</strong> <em>it</em></p>"
                                   "<h2>Sub</h2><p>More</p>");
  EXPECT_EQ(text, "Title\n\nBody bold it\n\nSub\n\nMore\n");
  for (const char* noise : {"#", "**", "__", "`"}) {
    EXPECT_EQ(text.find(noise), std::string::npos) << noise;
  }
}

TEST(HtmlToText, UnorderedAndOrderedListsWithHangingIndent) {
  const std::string text =
      text_of("<ul><li>apple</li><li>a very long item that has to wrap onto a second line "
              "because it is long</li></ul><ol><li>one</li><li>two<ol><li>nested</li></ol></li>"
              "</ol>",
              40);
  EXPECT_EQ(text, "• apple\n"
                  "• a very long item that has to wrap onto\n"
                  "  a second line because it is long\n"
                  "\n"
                  "1. one\n"
                  "2. two\n"
                  "   1. nested\n");
}

TEST(HtmlToText, BlockQuotesArePrefixedLikeMailQuotes) {
  EXPECT_EQ(text_of("<p>He said:</p><blockquote><p>Quoted words.</p><p>More.</p>"
                    "<blockquote>Deeper</blockquote></blockquote><p>After</p>"),
            "He said:\n\n> Quoted words.\n>\n> More.\n>\n> > Deeper\n\nAfter\n");
}

TEST(HtmlToText, CodeBlocksKeepTheirLinesAndIndentation) {
  EXPECT_EQ(text_of("<p>Code:</p><pre><code>int main() {\n  return 0;   \n}\n</code></pre>"),
            "Code:\n\n    int main() {\n      return 0;\n    }\n");
}

TEST(HtmlToText, LinksBecomeNumberedReferencesListedAtTheEnd) {
  const std::string text = text_of("<p>Read <a href=\"https://example.com/a\">the post</a> and "
                                   "<a href=\"https://example.com/b\">this</a>, again <a "
                                   "href=\"https://example.com/a\">here</a>.</p>");
  EXPECT_EQ(text, "Read the post [1] and this [2], again here [1].\n\n"
                  "[1] https://example.com/a\n[2] https://example.com/b\n");
}

TEST(HtmlToText, LinkWhoseTextIsItsUrlNeedsNoReference) {
  EXPECT_EQ(text_of("<p>See <a href=\"https://example.com/x\">https://example.com/x</a></p>"),
            "See https://example.com/x\n");
}

TEST(HtmlToText, RelativeAndScriptLinksAreNotReferenced) {
  EXPECT_EQ(text_of("<p><a href=\"#top\">top</a> <a href=\"javascript:alert(1)\">x</a></p>"),
            "top x\n");
}

TEST(HtmlToText, LongUrlsAreNeverWrappedOrBroken) {
  const std::string url = "https://example.com/" + std::string(150, 'p') + "?q=1&r=2";
  const std::string text = text_of("<p>word word word <a href=\"" + url + "\">" + url +
                                       "</a> tail</p><p><a href=\"" + url + "/2\">ref</a></p>",
                                   40);
  bool inline_seen = false;
  bool reference_seen = false;
  for (const auto& line : lines_of(text)) {
    inline_seen = inline_seen || line == url;
    reference_seen = reference_seen || line == "[1] " + url + "/2";
  }
  EXPECT_TRUE(inline_seen) << text;
  EXPECT_TRUE(reference_seen) << text;
}

TEST(HtmlToText, ScriptsStylesAndHeadAreNotText) {
  EXPECT_EQ(text_of("<head><title>t</title><style>p{}</style></head><script>var x=1;</script>"
                    "<p>Shown</p>"),
            "Shown\n");
}

TEST(HtmlToText, ImagesShowTheirAltTextAndLink) {
  EXPECT_EQ(text_of("<p>A <img src=\"https://e.com/p.png\" alt=\"cat\"> and "
                    "<img src=\"https://e.com/pixel.gif\"></p>"),
            "A [image: cat] <https://e.com/p.png> and\n");
}

TEST(HtmlToText, TableRowsAreLines) {
  EXPECT_EQ(text_of("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>"),
            "a b\nc d\n");
}

TEST(HtmlToText, BrokenMarkupNeverFails) {
  EXPECT_EQ(text_of("<p>open <b>bold <a href=\"https://e.com/\">link"), "open bold link [1]\n\n"
                                                                        "[1] https://e.com/\n");
  EXPECT_EQ(text_of("</ul></blockquote></pre>text"), "text\n");
  EXPECT_EQ(text_of(""), "");
  EXPECT_EQ(text_of("<p>&nbsp;</p>"), "");
}

TEST(HtmlToText, IllFormedUtf8BecomesOneReplacementPerMaximalSubpart) {
  EXPECT_EQ(text_of("<p>a\xE2\x82 b \x80\x80 c</p>"),
            "a\xEF\xBF\xBD b \xEF\xBF\xBD\xEF\xBF\xBD c\n");
  EXPECT_EQ(text_of("<pre>\xF0\x9F\x98</pre>"), "    \xEF\xBF\xBD\n"); // code is indented
}

TEST(HtmlToText, IsDeterministic) {
  const std::string html = "<ul><li><a href=\"https://e.com/1\">x</a></li></ul><p>y</p>";
  EXPECT_EQ(text_of(html), text_of(html));
}

} // namespace
} // namespace feedpop::mail
