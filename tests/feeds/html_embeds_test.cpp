#include "feeds/html_embeds.hpp"

#include <gtest/gtest.h>

namespace feedpop::feeds::html {
namespace {

TEST(VideoLink, YouTubeEmbedsGiveTheWatchPageAndTheHqThumbnail) {
  for (const char* player : {"https://www.youtube.com/embed/dQw4w9WgXcQ?si=abc",
                             "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                             "http://youtube.com/v/dQw4w9WgXcQ&hl=en"}) {
    const auto link = video_link(player);
    ASSERT_TRUE(link) << player;
    EXPECT_EQ(link->url, "https://www.youtube.com/watch?v=dQw4w9WgXcQ") << player;
    EXPECT_EQ(link->thumbnail, "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg") << player;
  }
}

TEST(VideoLink, VimeoPeerTubeAndDailymotionLinkToTheirPagesWithoutThumbnail) {
  EXPECT_EQ(video_link("https://player.vimeo.com/video/76979871?h=8272103f6e")->url,
            "https://vimeo.com/76979871");
  EXPECT_EQ(video_link("https://tube.example.org/videos/embed/9c9de5e8-0a1e")->url,
            "https://tube.example.org/videos/watch/9c9de5e8-0a1e");
  EXPECT_EQ(video_link("https://www.dailymotion.com/embed/video/x8abc")->url,
            "https://www.dailymotion.com/video/x8abc");
  EXPECT_FALSE(video_link("https://player.vimeo.com/video/76979871")->thumbnail);
}

TEST(VideoLink, OtherFramesAndOtherSchemesAreNotVideo) {
  EXPECT_FALSE(video_link("https://www.google.com/maps/embed?pb=1"));
  EXPECT_FALSE(video_link("javascript:alert(1)//youtube.com/embed/x"));
  EXPECT_FALSE(video_link("https://www.youtube.com/embed/"));
  EXPECT_FALSE(video_link("https://www.youtube.com/embed/a\"b"));
  EXPECT_FALSE(video_link("https://evil.example/youtube.com/embed/dQw4w9WgXcQ"));
}

TEST(SanitizeEmbeds, YouTubeIframeBecomesALinkedThumbnailAndItsContentIsDropped) {
  const std::string out = sanitize(
      "<p>gadgetry:</p><iframe src=\"//www.youtube.com/embed/abcDEF12345\" title=\"Ride &amp; "
      "run\">fallback <b>text</b></iframe><p>after</p>",
      "https://blog.example/post");
  EXPECT_EQ(out, "<p>gadgetry:</p><a href=\"https://www.youtube.com/watch?v=abcDEF12345\" "
                 "data-feedpop-video=\"Ride &amp; run\"><img "
                 "src=\"https://i.ytimg.com/vi/abcDEF12345/hqdefault.jpg\" alt=\"\xE2\x96\xB6 "
                 "Ride &amp; run\" /></a><p>after</p>");
}

TEST(SanitizeEmbeds, VideoWithoutThumbnailIsAnEmptyLinkSoTheFeedTextIsUnchanged) {
  const std::string out = sanitize(
      "<p>a <iframe src=\"https://player.vimeo.com/video/42\" title=\"Vimeo video player\">"
      "</iframe> b</p>",
      "");
  EXPECT_EQ(out, "<p>a <a href=\"https://vimeo.com/42\" data-feedpop-video=\"\"></a> b</p>");
  EXPECT_EQ(to_text(out), "a b");
}

TEST(SanitizeEmbeds, VideoElementBecomesItsPosterLinkedToItsSourceAfterItsFallback) {
  const std::string out =
      sanitize("<video poster=\"p.jpg\" controls><source src=\"v.mp4\" type=\"video/mp4\">"
               "<a href=\"v.mp4\">download</a></video><p>x</p>",
               "https://site.example/dir/");
  EXPECT_EQ(out,
            "<source src=\"https://site.example/dir/v.mp4\" type=\"video/mp4\" /><a "
            "href=\"https://site.example/dir/v.mp4\">download</a><a "
            "href=\"https://site.example/dir/v.mp4\" data-feedpop-video=\"\"><img "
            "src=\"https://site.example/dir/p.jpg\" alt=\"\xE2\x96\xB6 Video\" /></a><p>x</p>");
}

TEST(SanitizeEmbeds, VideoWithUnsafeSourceKeepsOnlyItsPoster) {
  EXPECT_EQ(sanitize("<video src=\"javascript:alert(1)\" poster=\"https://a.example/p.png\">"
                     "</video>",
                     ""),
            "<img src=\"https://a.example/p.png\" alt=\"Video\" />");
  EXPECT_EQ(sanitize("<video src=\"javascript:alert(1)\" poster=\"cid:x\"></video>", ""), "");
}

TEST(SanitizeEmbeds, UnknownIframesAndObjectsAreStillDroppedWithTheirContent) {
  EXPECT_EQ(sanitize("a<iframe src=\"https://maps.example/x\">inner</iframe>b"
                     "<object><embed src=\"https://www.youtube.com/v/abcDEF12345\"></object>c",
                     ""),
            "abc");
}

TEST(SanitizeEmbeds, AVideoIframesContentEndsAtItsFirstEndTagAsInHtml5) {
  // HTML §13.2.5.3: an iframe's content is raw text; the first </iframe> ends it.
  EXPECT_EQ(sanitize("<iframe src=\"https://player.vimeo.com/video/1\"><iframe>x</iframe>y"
                     "</iframe>z",
                     ""),
            "<a href=\"https://vimeo.com/1\" data-feedpop-video=\"\"></a>yz");
}

} // namespace
} // namespace feedpop::feeds::html
