// Media in messages: embedded video (feeds/html_embeds.hpp) in both parts, media feeds'
// bodies (Entry::media), enclosures listed with their details and attached.
#include <gtest/gtest.h>

#include "feeds/html.hpp"
#include "mail/body.hpp"
#include "mail/text_rendering.hpp"

namespace feedpop::mail {
namespace {

using namespace std::chrono;

const sys_seconds when = sys_days{year{2024} / March / 5} + hours{9};

FeedInfo feed_info() {
  return {"tube", std::string("Tube"), "https://tube.example/feed.xml", std::nullopt};
}

TEST(VideoEmbedText, AVideoLinkIsOneLineWithTitleAndUrl) {
  const std::string html = feeds::html::sanitize(
      "<p>Sports gadgetry:</p><iframe src=\"https://www.youtube.com/embed/abcDEF12345\" "
      "title=\"Ride review\"></iframe><p>More text.</p>",
      "https://blog.example/");
  EXPECT_EQ(html_to_text(html).text,
            "Sports gadgetry:\n\n[video: Ride review] https://www.youtube.com/watch?v=abcDEF12345\n"
            "\nMore text.\n");
}

TEST(VideoEmbedText, AnUntitledVideoIsWrittenWithoutTitle) {
  const std::string html = feeds::html::sanitize(
      "<p>See <iframe src=\"https://player.vimeo.com/video/42\"></iframe> there</p>", "");
  EXPECT_EQ(html_to_text(html).text, "See\n[video] https://vimeo.com/42\nthere\n");
}

TEST(VideoEmbedHtml, ThumbnailLinkInTheHtmlPartAndAWordedLinkWithoutThumbnail) {
  feeds::Entry e;
  e.title = "Post";
  e.content_html = feeds::html::sanitize(
      "<p><iframe src=\"https://www.youtube.com/embed/abcDEF12345\"></iframe></p>"
      "<p><iframe src=\"https://player.vimeo.com/video/42\"></iframe></p>",
      "");
  const BodyParts parts = render_body(e, feed_info(), when, true);
  ASSERT_TRUE(parts.html);
  EXPECT_NE(parts.html->find("<a href=\"https://www.youtube.com/watch?v=abcDEF12345\" "
                             "data-feedpop-video=\"\"><img "
                             "src=\"https://i.ytimg.com/vi/abcDEF12345/hqdefault.jpg\""),
            std::string::npos)
      << *parts.html;
  EXPECT_NE(parts.html->find("data-feedpop-video=\"\">\xE2\x96\xB6 Video: "
                             "https://vimeo.com/42</a>"),
            std::string::npos)
      << *parts.html;
  EXPECT_NE(parts.plain.find("[video] https://www.youtube.com/watch?v=abcDEF12345\n"),
            std::string::npos);
  EXPECT_NE(parts.plain.find("[video] https://vimeo.com/42\n"), std::string::npos);
}

TEST(VideoEmbedHtml, TheVideoLabelIsAddedEvenWhenTheBodyIsSanitisedByMail) {
  feeds::Entry e;
  e.content_html = "<p>x <iframe src='https://player.vimeo.com/video/7'></iframe></p>";
  const BodyParts parts = render_body(e, feed_info(), when, false);
  ASSERT_TRUE(parts.html);
  EXPECT_NE(parts.html->find(">\xE2\x96\xB6 Video: https://vimeo.com/7</a>"), std::string::npos);
}

} // namespace
} // namespace feedpop::mail
