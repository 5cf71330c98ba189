// Media RSS and iTunes elements (feeds/xml_media.hpp): Entry::media, Enclosure::duration.
#include <chrono>
#include <gtest/gtest.h>

#include "feeds/parse.hpp"
#include "feeds/xml_media.hpp"
#include "fixture_support.hpp"

namespace feedpop::feeds {
namespace {

using namespace std::chrono;
using testing::parse_fixture;
using testing::parse_ok;

TEST(MediaRss, YouTubeMediaGroupGivesTitleThumbnailAndPlainDescription) {
  const Feed f = parse_fixture("youtube_channel_media_group.xml");
  ASSERT_EQ(f.entries.size(), 1u);
  const Entry& e = f.entries[0];
  EXPECT_EQ(e.media.title, "Watch review: 6 months in");
  EXPECT_EQ(e.media.thumbnail, "https://i2.ytimg.com/vi/abcDEF12345/hqdefault.jpg");
  EXPECT_EQ(e.media.description, "Six months with the watch.\nChapters:\n0:00 Intro & unboxing\n"
                                 "Links: https://example.com/review?utm_source=yt and more\n\n"
                                 "Second paragraph.");
  EXPECT_TRUE(e.media.video);        // its media:content is YouTube's (Flash) player
  EXPECT_TRUE(e.enclosures.empty()); // media:content is not an enclosure (FEED_JSON.md)
  EXPECT_FALSE(e.content_html);
}

TEST(MediaRss, PodcastDurationsComeFromMediaContentOfTheSameUrlElseItunesDuration) {
  ParseOptions options;
  options.base_url = "https://pod.example/feed.xml";
  const Feed f = parse_fixture("podcast_itunes_media_content_durations.xml", options);
  ASSERT_EQ(f.entries.size(), 2u);
  ASSERT_EQ(f.entries[0].enclosures.size(), 1u);
  EXPECT_EQ(f.entries[0].enclosures[0].duration, seconds(754)); // before the enclosure, too
  EXPECT_EQ(f.entries[0].enclosures[0].length, 12000000);
  ASSERT_EQ(f.entries[1].enclosures.size(), 1u);
  EXPECT_EQ(f.entries[1].enclosures[0].duration, seconds(42 * 60 + 5));
}

TEST(MediaRss, ThumbnailFallsBackToAnImageMediaContentThenItunesImageNeverTheChannels) {
  ParseOptions options;
  options.base_url = "https://pod.example/feed.xml";
  const Feed f = parse_fixture("podcast_itunes_media_content_durations.xml", options);
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].media.thumbnail, "https://pod.example/ep2.jpg"); // resolved
  EXPECT_EQ(f.entries[1].media.thumbnail, "https://pod.example/1-cover.png");
  EXPECT_FALSE(f.entries[0].media.description);
  EXPECT_FALSE(f.entries[0].media.video); // audio/mpeg
}

TEST(MediaRss, HtmlDescriptionsBecomeTextAndUnsafeThumbnailsAreIgnored) {
  const Feed f =
      parse_ok("<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item>"
               "<title>t</title><media:description type=\"html\">&lt;b&gt;Bold&lt;/b&gt; "
               "words</media:description><media:thumbnail url=\"javascript:alert(1)\"/></item>"
               "</channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].media.description, "Bold words");
  EXPECT_FALSE(f.entries[0].media.thumbnail);
}

TEST(MediaRss, JsonFeedAttachmentDurationInSeconds) {
  const Feed f = parse_ok(R"({"version": "https://jsonfeed.org/version/1.1", "items": [
    {"id": "1", "attachments": [{"url": "https://a.example/1.mp3", "mime_type": "audio/mpeg",
      "duration_in_seconds": 300}]}]})");
  ASSERT_EQ(f.entries.size(), 1u);
  ASSERT_EQ(f.entries[0].enclosures.size(), 1u);
  EXPECT_EQ(f.entries[0].enclosures[0].duration, seconds(300));
}

TEST(MediaDuration, SecondsMinutesAndHoursForms) {
  using xml::parse_duration;
  EXPECT_EQ(parse_duration("3600"), seconds(3600));
  EXPECT_EQ(parse_duration(" 59:59 "), seconds(3599));
  EXPECT_EQ(parse_duration("1:02:03"), seconds(3723));
  EXPECT_EQ(parse_duration("1:02:03.500"), seconds(3723));
  EXPECT_EQ(parse_duration("754.2"), seconds(754));
  for (const char* bad : {"", "abc", "1::2", "1:2:3:4", "-5", "12 min", "1.x", "9999999999"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
}

} // namespace
} // namespace feedpop::feeds
