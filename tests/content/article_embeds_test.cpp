// Embedded video in extracted articles: kept by the extractor, made a link by the sanitiser
// (feeds/html_embeds.hpp), as in feed content.

#include <gtest/gtest.h>

#include <string>

#include "content/article.hpp"

namespace {

using feedpop::content::Article;
using feedpop::content::extract;

std::string paragraphs(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) {
    out += "<p>Paragraph " + std::to_string(i) +
           " of the story, with commas, details, and enough words to be the body a reader "
           "wants, clearly and at length.</p>";
  }
  return out;
}

TEST(ArticleEmbeds, AYouTubePlayerInTheArticleBecomesItsLinkedThumbnail) {
  const std::string page = "<html><head><title>Ride</title></head><body><nav>Home</nav>"
                           "<article><h1>Ride</h1>" +
                           paragraphs(0, 3) +
                           "<iframe width='560' height='315' title='Clip' "
                           "src='https://www.youtube-nocookie.com/embed/abcDEF12345'></iframe>" +
                           paragraphs(3, 6) + "</article><footer>f</footer></body></html>";
  auto result = extract(page, "https://blog.example/ride", {});
  ASSERT_TRUE(std::holds_alternative<Article>(result));
  const std::string& content = std::get<Article>(result).content;
  EXPECT_NE(content.find("<a href=\"https://www.youtube.com/watch?v=abcDEF12345\" "
                         "data-feedpop-video=\"Clip\"><img "
                         "src=\"https://i.ytimg.com/vi/abcDEF12345/hqdefault.jpg\""),
            std::string::npos)
      << content;
  EXPECT_EQ(content.find("<iframe"), std::string::npos);
}

} // namespace
