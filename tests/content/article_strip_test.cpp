// `strip` rules on a fetched page (content::ExtractOptions::strip): the selectors match the
// page's own markup, before extraction renames a <div> of text to <p> or unwraps a <div>
// around a single <p>; the rest of the article comes out as without them.
#include <gtest/gtest.h>

#include <string>

#include "content/article.hpp"
#include "content/rules.hpp"

namespace {

using feedpop::content::Article;
using feedpop::content::extract;
using feedpop::content::ExtractFailed;
using feedpop::content::ExtractOptions;

std::string paragraphs() {
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out += "<p>The harbour story " + std::to_string(i) +
           " goes on, with details, figures, quotes and context, because readers want to "
           "understand what happened, why it matters, and what comes next.</p>\n";
  }
  return out;
}

// An article with an ad (a <div> of text: renamed <p class="ad"> by extraction) and a poll
// (a <div> around one <p>: replaced by that <p>, losing its id) inside it.
std::string page(bool with_furniture) {
  const std::string ad = with_furniture ? "<div class=\"ad wide\">Buy now</div>" : "";
  const std::string poll =
      with_furniture ? "<div id=\"poll\"><p>Vote in our reader poll, today, here.</p></div>" : "";
  return "<html><head><title>Harbour news</title></head><body>"
         "<div class=\"ad\">Buy now in the header</div><article><h1>Harbour news</h1>" +
         paragraphs() + ad + paragraphs() + poll +
         "</article><div id=\"comments\"><p>First, yes, truly, first, here.</p></div></body>"
         "</html>";
}

Article must_extract(const std::string& html, const ExtractOptions& options = {}) {
  auto result = extract(html, "https://example.org/news/1", options);
  if (const auto* failed = std::get_if<ExtractFailed>(&result)) {
    ADD_FAILURE() << "extraction failed: " << failed->reason;
    return {};
  }
  return std::get<Article>(result);
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(ExtractStrip, SelectorsOfThePagesSourceMissTheExtractedArticle) {
  // What a rule applied only after extraction sees: the ad and the poll have changed shape.
  const Article a = must_extract(page(true));
  ASSERT_TRUE(has(a.content, "Buy now<")) << a.content;
  ASSERT_TRUE(has(a.content, "reader poll")) << a.content;
  EXPECT_FALSE(has(a.content, "<div class=\"ad")) << a.content;
  EXPECT_FALSE(has(a.content, "id=\"poll\"")) << a.content;

  using feedpop::content::Rule;
  using feedpop::content::RuleAction;
  Rule ad{{}, RuleAction::strip, "div.ad", "", {}, ""};
  Rule poll{{}, RuleAction::strip, "div#poll", "", {}, ""};
  const feedpop::content::RuleSet rules({ad, poll});
  feedpop::feeds::Entry e;
  e.content_html = a.content;
  const auto counts = rules.rewrite(e, rules.judge(e));
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].count + counts[1].count, 0u);
  EXPECT_TRUE(has(*e.content_html, "Buy now<"));
}

TEST(ExtractStrip, RenamedAndReplacedDivsAreStrippedAsThePageHasThem) {
  ExtractOptions options;
  options.strip = {"div.ad", "#poll", "#comments"};
  const Article a = must_extract(page(true), options);
  EXPECT_FALSE(has(a.content, "Buy now")) << a.content;
  EXPECT_FALSE(has(a.content, "reader poll")) << a.content;
  EXPECT_FALSE(has(a.text, "Buy now"));
  // The header's ad counts too: it is removed from the page, outside the article.
  EXPECT_EQ(a.stripped, (std::vector<std::size_t>{2, 1, 1}));
}

TEST(ExtractStrip, TheRestOfTheArticleIsUnchanged) {
  ExtractOptions options;
  options.strip = {"div.ad", "#poll"};
  const Article stripped = must_extract(page(true), options);
  const Article plain = must_extract(page(false), options);
  EXPECT_EQ(stripped.content, plain.content);
  EXPECT_EQ(stripped.text, plain.text);
  EXPECT_EQ(stripped.title, plain.title);
  EXPECT_TRUE(has(stripped.content, "harbour story 5")) << stripped.content;
}

TEST(ExtractStrip, NoSelectorsLeaveExtractionAsItIs) {
  const Article a = must_extract(page(true));
  ExtractOptions options;
  options.strip = {"blink.none"};
  const Article b = must_extract(page(true), options);
  EXPECT_EQ(a.content, b.content);
  EXPECT_TRUE(a.stripped.empty());
  EXPECT_EQ(b.stripped, (std::vector<std::size_t>{0}));
}

TEST(ExtractStrip, ABadSelectorIsIgnoredAndTheOthersApply) {
  ExtractOptions options;
  options.strip = {"div..ad", "div.ad"};
  const Article a = must_extract(page(true), options);
  EXPECT_FALSE(has(a.content, "Buy now"));
  EXPECT_EQ(a.stripped, (std::vector<std::size_t>{0, 2}));
}

TEST(ExtractStrip, AppliesUnderAnXPathSelectorToo) {
  ExtractOptions options;
  options.xpath = "//article";
  options.strip = {"div.ad"};
  const Article a = must_extract(page(true), options);
  EXPECT_FALSE(has(a.content, "Buy now"));
  EXPECT_TRUE(has(a.content, "reader poll"));
  EXPECT_EQ(a.stripped, (std::vector<std::size_t>{2}));
}

TEST(ExtractStrip, StrippingTheWholeArticleIsAClearFailure) {
  ExtractOptions options;
  options.strip = {"article", "p", "div"};
  auto result = extract(page(true), "https://example.org/", options);
  ASSERT_TRUE(std::holds_alternative<ExtractFailed>(result));
  EXPECT_EQ(std::get<ExtractFailed>(result).reason, "no article found");
}

} // namespace
