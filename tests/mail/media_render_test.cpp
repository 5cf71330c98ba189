// Media in messages: embedded video (feeds/html_embeds.hpp) in both parts, media feeds'
// bodies (Entry::media), enclosures listed with their details and attached.
#include <gtest/gtest.h>

#include "feeds/html.hpp"
#include "mail/attachment_part.hpp"
#include "mail/body.hpp"
#include "mail/media.hpp"
#include "mail/render.hpp"
#include "mail/text_rendering.hpp"
#include "mime_decode_support.hpp"

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

feeds::Entry youtube_entry() {
  feeds::Entry e;
  e.title = "Ride review";
  e.link = "https://www.youtube.com/watch?v=abcDEF12345";
  e.summary_html = "Two lines\nhttps://shop.example/x.";
  e.media.title = "Ride review";
  e.media.description = "Two lines\nhttps://shop.example/x.";
  e.media.thumbnail = "https://i.ytimg.com/vi/abcDEF12345/hqdefault.jpg";
  e.media.video = true;
  return e;
}

TEST(MediaBody, VideoWithoutContentIsItsLinkedThumbnailAndItsLinkifiedDescription) {
  const auto html = media_body_html(youtube_entry());
  ASSERT_TRUE(html);
  EXPECT_EQ(*html, "<p><a href=\"https://www.youtube.com/watch?v=abcDEF12345\" "
                   "data-feedpop-video=\"Ride review\"><img "
                   "src=\"https://i.ytimg.com/vi/abcDEF12345/hqdefault.jpg\" alt=\"\xE2\x96\xB6 "
                   "Ride review\" /></a></p>\n<p>Two lines<br />\n<a "
                   "href=\"https://shop.example/x\">https://shop.example/x</a>.</p>\n");
  const BodyParts parts = render_body(youtube_entry(), feed_info(), when, true);
  EXPECT_EQ(parts.plain.substr(0, parts.plain.find("-- \n")),
            "[video: Ride review] https://www.youtube.com/watch?v=abcDEF12345\n\nTwo lines\n"
            "https://shop.example/x.\n\n");
}

TEST(MediaBody, EntriesWithContentKeepTheirContent) {
  feeds::Entry e = youtube_entry();
  e.content_html = "<p>Own words</p>";
  EXPECT_FALSE(media_body_html(e));
  EXPECT_EQ(render_body(e, feed_info(), when, true).plain.substr(0, 10), "Own words\n");
}

TEST(MediaBody, ACoverPictureIsShownUnlinkedAboveTheSummary) {
  feeds::Entry e;
  e.link = "https://pod.example/2";
  e.summary_html = "<p>Bread.</p>";
  e.media.thumbnail = "https://pod.example/ep2.jpg";
  EXPECT_EQ(media_body_html(e), "<p><img src=\"https://pod.example/ep2.jpg\" alt=\"\" /></p>\n"
                                "<p>Bread.</p>");
  e.media.thumbnail = "mailto:x@example.com";
  EXPECT_FALSE(media_body_html(e)); // not an image URL: the feed's summary alone
}

TEST(Linkify, EscapesTextAndKeepsPunctuationAndUnopenedParenthesesOutOfLinks) {
  EXPECT_EQ(linkify("a <b> & (see https://x.example/a_(b)), http://y.example/?q=1&r=2!\n\n\nz"),
            "<p>a &lt;b&gt; &amp; (see <a href=\"https://x.example/a_(b)\">https://x.example/"
            "a_(b)</a>), <a href=\"http://y.example/?q=1&amp;r=2\">http://y.example/?q=1&amp;r=2"
            "</a>!</p>\n<p>z</p>\n");
  EXPECT_EQ(linkify("nohttps://x.example and https:// alone"),
            "<p>nohttps://x.example and https:// alone</p>\n");
}

TEST(EnclosureList, TypeSizeAndDurationAndWhatBecameOfIt) {
  feeds::Entry e;
  e.title = "Episode 2";
  e.content_html = "<p>Bread.</p>";
  e.enclosures.push_back({"https://pod.example/2.mp3", "audio/mpeg", 12'000'000, seconds(3723)});
  e.enclosures.push_back({"https://pod.example/2.flac", "audio/flac", 90'000'000, seconds(754)});
  const BodyParts parts = render_body(
      e, feed_info(), when, true,
      {{"https://pod.example/2.mp3", "attached: 2.mp3"},
       {"https://pod.example/2.flac", "not attached: 90.0 MB is over the 20.0 MB limit"}});
  EXPECT_NE(parts.plain.find("\xE2\x80\xA2 https://pod.example/2.mp3\n  audio/mpeg, 12.0 MB, "
                             "1:02:03\n  attached: 2.mp3\n"),
            std::string::npos)
      << parts.plain;
  EXPECT_NE(parts.plain.find("audio/flac, 90.0 MB, 12:34\n  not attached: 90.0 MB is over the "
                             "20.0 MB limit\n"),
            std::string::npos)
      << parts.plain;
  ASSERT_TRUE(parts.html);
  EXPECT_NE(parts.html->find("<li><a href=\"https://pod.example/2.mp3\">2.mp3</a> (audio/mpeg, "
                             "12.0 MB, 1:02:03) &mdash; attached: 2.mp3</li>"),
            std::string::npos)
      << *parts.html;
}

TEST(Attachments, MessageBecomesMixedWithTheBodyFirstAndEachFileBase64) {
  feeds::Entry e;
  e.title = "Episode 2";
  e.content_html = "<p>Bread.</p>";
  e.enclosures.push_back({"https://pod.example/2.mp3", "audio/mpeg", 5});
  RenderOptions options;
  options.identity = "ep2";
  std::string bytes("ID3\0\xFF\x01", 6);
  options.attachments.push_back({"https://pod.example/2.mp3", "2.mp3", "audio/mpeg", bytes});
  const std::string message = render(e, feed_info(), options);
  const std::string headers = message.substr(0, message.find("\r\n\r\n"));
  EXPECT_NE(headers.find("\r\nContent-Type: multipart/mixed;\r\n boundary="), std::string::npos)
      << message;
  EXPECT_NE(message.find("Content-Type: audio/mpeg;\r\n name=\"2.mp3\"\r\n"
                         "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n"
                         " filename=\"2.mp3\"\r\n\r\nSUQzAP8B\r\n"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("attached: 2.mp3"), std::string::npos);
  EXPECT_LT(message.find("multipart/alternative"), message.find("Content-Disposition"));
}

TEST(Attachments, FileNamesOutsideAsciiUseRfc2231AndUnsafeCharactersAreReplaced) {
  EXPECT_EQ(file_name_parameter("filename", "caf\xC3\xA9 1.mp3"),
            "filename*=utf-8''caf%C3%A9%201.mp3");
  EXPECT_EQ(file_name_parameter("filename", "../a\"b\r.mp3"), "filename=\".._a_b_.mp3\"");
  EXPECT_EQ(file_name_parameter("name", " "), "name=\"attachment\"");
  const std::string part = attachment_part({"u", "x.bin", "Application/Weird Type", "x"});
  EXPECT_TRUE(part.starts_with("Content-Type: application/octet-stream;")) << part;
}

} // namespace
} // namespace feedpop::mail
