#include "content/srcset.hpp"

#include <gtest/gtest.h>

#include "content/article.hpp"

namespace feedpop::content {
namespace {

std::vector<std::string> urls(std::string_view srcset) {
  std::vector<std::string> out;
  for (const SrcsetCandidate& c : parse_srcset(srcset)) {
    out.push_back(c.url);
  }
  return out;
}

TEST(Srcset, ParsesWidthAndDensityDescriptors) {
  const auto c = parse_srcset(" a.jpg 480w ,b.jpg 2x,\n c.jpg, d.jpg 1.5X");
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].url, "a.jpg");
  EXPECT_EQ(c[0].width, 480);
  EXPECT_EQ(c[1].url, "b.jpg");
  EXPECT_FALSE(c[1].width);
  EXPECT_EQ(c[1].density, 2);
  EXPECT_EQ(c[2].url, "c.jpg"); // no descriptor: 1x
  EXPECT_EQ(c[2].density, 1);
  EXPECT_EQ(c[3].density, 1.5);
}

TEST(Srcset, CommasInsideAUrlStayInTheUrl) {
  EXPECT_EQ(urls("https://cdn.example/p.jpg?resize=800,600 800w, "
                 "https://cdn.example/p.jpg?resize=1600,1200 1600w"),
            (std::vector<std::string>{"https://cdn.example/p.jpg?resize=800,600",
                                      "https://cdn.example/p.jpg?resize=1600,1200"}));
}

TEST(Srcset, MalformedCandidatesAreDropped) {
  EXPECT_EQ(urls("zero.jpg 0w, frac.jpg 1.5w, neg.jpg -2x, both.jpg 2x 100w, word.jpg big, "
                 "twice.jpg 100w 200w, h-only.jpg 300h, nonum.jpg x, ok.jpg 300w 200h"),
            std::vector<std::string>{"ok.jpg"});
  EXPECT_TRUE(parse_srcset("").empty());
  EXPECT_TRUE(parse_srcset(" , ,, ").empty());
}

TEST(Srcset, ParenthesisedDescriptorIsOneTokenAndMalformed) {
  EXPECT_EQ(urls("a.jpg (x, y) , b.jpg 2x"), std::vector<std::string>{"b.jpg"});
}

TEST(Srcset, WidthAttributeInPixels) {
  EXPECT_EQ(html_length_pixels("600"), 600);
  EXPECT_EQ(html_length_pixels(" 600px "), 600);
  EXPECT_EQ(html_length_pixels("640.5"), 640);
  EXPECT_FALSE(html_length_pixels("100%"));
  EXPECT_FALSE(html_length_pixels("auto"));
  EXPECT_FALSE(html_length_pixels(""));
  EXPECT_FALSE(html_length_pixels("0"));
}

TEST(Srcset, PicksTheWidthClosestTo1200NotTheWidest) {
  EXPECT_EQ(pick_image_source("small.jpg", "a.jpg 480w, b.jpg 1024w, c.jpg 2400w, d.jpg 3000w",
                              std::nullopt),
            "b.jpg");
  EXPECT_EQ(pick_image_source("", "a.jpg 480w, b.jpg 960w", std::nullopt), "b.jpg");
  EXPECT_EQ(pick_image_source("", "a.jpg 1300w, b.jpg 4000w", std::nullopt), "a.jpg");
  // Order does not matter.
  EXPECT_EQ(pick_image_source("", "d.jpg 3000w, b.jpg 1150w, a.jpg 480w", std::nullopt), "b.jpg");
}

TEST(Srcset, TiesGoToTheWiderCandidateAndEqualWidthsToTheFirst) {
  EXPECT_EQ(pick_image_source("", "narrow.jpg 1000w, wide.jpg 1400w", std::nullopt), "wide.jpg");
  EXPECT_EQ(pick_image_source("", "wide.jpg 1400w, narrow.jpg 1000w", std::nullopt), "wide.jpg");
  EXPECT_EQ(pick_image_source("", "first.jpg 800w, second.jpg 800w", std::nullopt), "first.jpg");
}

TEST(Srcset, DensitiesScaleTheWidthAttribute) {
  // width=400: 1x = 400 px, 2x = 800, 3x = 1200.
  EXPECT_EQ(pick_image_source("one.jpg", "two.jpg 2x, three.jpg 3x", 400L), "three.jpg");
  EXPECT_EQ(pick_image_source("one.jpg", "two.jpg 2x, four.jpg 4x", 500L), "two.jpg"); // 1000
  // src counts as the 1x candidate: width 1100 is closer than 2200.
  EXPECT_EQ(pick_image_source("one.jpg", "two.jpg 2x", 1100L), "one.jpg");
}

TEST(Srcset, WithoutAWidthTheDefaultSourceIsThe1xImage) {
  EXPECT_EQ(pick_image_source("src.jpg", "two.jpg 2x, three.jpg 3x", std::nullopt), "src.jpg");
  EXPECT_EQ(pick_image_source("", "two.jpg 2x, one.jpg 1x, three.jpg 3x", std::nullopt), "one.jpg");
  EXPECT_EQ(pick_image_source("", "two.jpg 2x, three.jpg 3x", std::nullopt), "two.jpg");
  EXPECT_EQ(pick_image_source("", "half.jpg 0.5x, more.jpg 1.5x", std::nullopt), "more.jpg");
}

TEST(Srcset, NothingUsableKeepsSrc) {
  EXPECT_EQ(pick_image_source("src.jpg", "bad.jpg 0w, worse.jpg nonsense", std::nullopt),
            "src.jpg");
  EXPECT_EQ(pick_image_source("src.jpg", "", 600L), "src.jpg");
  EXPECT_EQ(pick_image_source("", "", std::nullopt), "");
}

TEST(Srcset, ExtractedArticleImagesUseTheChosenCandidate) {
  std::string paragraphs;
  for (int i = 0; i < 4; ++i) {
    paragraphs += "<p>The harbour story continues, with boats, nets, gulls, and tides, paragraph " +
                  std::to_string(i) + " of a long enough article for the extractor to keep.</p>";
  }
  const auto r = extract("<html><body><article>" + paragraphs +
                             "<p><img src='/i/small.jpg' alt='boats' srcset='/i/s.jpg 480w, "
                             "/i/m.jpg?fit=1200,800 1200w, /i/l.jpg 2400w'></p>" +
                             paragraphs + "</article></body></html>",
                         "https://example.org/a/post");
  const auto* a = std::get_if<Article>(&r);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->content.find("src=\"https://example.org/i/m.jpg?fit=1200,800\""), std::string::npos)
      << a->content;
  EXPECT_EQ(a->content.find("small.jpg"), std::string::npos) << a->content;
}

} // namespace
} // namespace feedpop::content
