// ingest::entry_bodies: what ingest adds to new entries (full article, inline images,
// attached enclosures), built without a store as `feedpop render --feed` builds them, over
// a real HTTP server; without a client (render --feed --no-fetch) nothing is requested.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "feeds/http_client.hpp"
#include "feeds/parse.hpp"
#include "ingest/entry_bodies.hpp"
#include "tests/support/http_test_server.hpp"

namespace feedpop::ingest {
namespace {

using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, '\x05');
const std::string episode(5000, 'e');

class EntryBodiesTest : public ::testing::Test {
protected:
  void SetUp() override {
    server = std::make_unique<HttpTestServer>(files.path);
    std::string paragraphs;
    for (int i = 0; i < 6; ++i) {
      paragraphs += fmt::format("<p>Article paragraph {}: a long story, with commas, clauses, "
                                "and enough words to be the body a reader wants.</p>",
                                i);
    }
    write_file(files.path / "a0.html",
               "<!DOCTYPE html><html><head><title>A</title></head><body><article>" + paragraphs +
                   "<p><img src=\"" + server->url("/files/pic.png") +
                   "\" alt=\"pic\"></p></article></body></html>");
    write_file(files.path / "pic.png", png);
    write_file(files.path / "ep.mp3", episode);
    write_file(files.path / "thumb.png", png);
    config.fetch.timeout = std::chrono::seconds(10);
    feed.key = "a";
    feed.content = ContentMode::full;
    feed.images = ImagesMode::inline_;
    feed.enclosures = EnclosuresMode::attach;
    // Entry 0: a teaser linking to an article, with an enclosure; entry 1: a media entry
    // (media:group only), whose body is built from its thumbnail and description.
    const std::string atom =
        fmt::format("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" "
                    "xmlns:media=\"http://search.yahoo.com/mrss/\"><title>T</title><id>t</id>"
                    "<entry><id>e0</id><title>Entry 0</title><link rel=\"alternate\" href=\"{}\"/>"
                    "<link rel=\"enclosure\" href=\"{}\" type=\"audio/mpeg\" length=\"5000\"/>"
                    "<summary>Teaser…</summary></entry>"
                    "<entry><id>e1</id><title>Clip</title><link rel=\"alternate\" href=\"{}\"/>"
                    "<media:group><media:thumbnail url=\"{}\"/><media:description>About the clip."
                    "</media:description></media:group></entry></feed>",
                    server->url("/files/a0.html"), server->url("/files/ep.mp3"),
                    server->url("/files/watch"), server->url("/files/thumb.png"));
    auto parsed = feeds::parse(atom);
    ASSERT_TRUE(std::holds_alternative<feeds::Feed>(parsed));
    doc = std::get<feeds::Feed>(std::move(parsed));
  }

  int requests(const std::string& path) {
    feeds::HttpClient client;
    feeds::HttpRequest r;
    r.url = server->url("/count?path=" + path);
    auto result = client.fetch(r);
    const auto* fetched = std::get_if<feeds::Fetched>(&result);
    return fetched == nullptr ? -1 : std::stoi(fetched->body);
  }

  TempDir files;
  std::unique_ptr<HttpTestServer> server;
  Options config;
  FeedOptions feed;
  feeds::Feed doc;
};

TEST_F(EntryBodiesTest, WithAClientTheArticleImagesAndEnclosureAreFetched) {
  feeds::HttpClient http;
  BodyStats stats;
  auto bodies = entry_bodies(config, feed, doc, {0, 1}, stats, &http);
  ASSERT_TRUE(bodies.count(0) == 1 && bodies[0].html);
  EXPECT_NE(bodies[0].html->find("Article paragraph 5"), std::string::npos);
  ASSERT_EQ(bodies[0].images.size(), 1u);
  EXPECT_EQ(bodies[0].images[0].bytes, png);
  ASSERT_EQ(bodies[0].attachments.size(), 1u);
  EXPECT_EQ(bodies[0].attachments[0].bytes, episode);
  EXPECT_EQ(stats.articles.fetched, 1u);
}

TEST_F(EntryBodiesTest, WithoutAClientNothingIsRequestedAndMediaBodiesAreStillBuilt) {
  BodyStats stats;
  auto bodies = entry_bodies(config, feed, doc, {0, 1}, stats, nullptr);
  EXPECT_TRUE(bodies.count(0) == 0 ||
              (!bodies[0].html && bodies[0].images.empty() && bodies[0].attachments.empty() &&
               bodies[0].enclosure_notes.empty()));
  ASSERT_TRUE(bodies.count(1) == 1 && bodies[1].html);
  EXPECT_NE(bodies[1].html->find("About the clip."), std::string::npos);
  EXPECT_TRUE(bodies[1].images.empty());
  EXPECT_EQ(stats.articles.fetched + stats.articles.failed + stats.images_failed, 0u);
  for (const char* path :
       {"/files/a0.html", "/files/pic.png", "/files/ep.mp3", "/files/thumb.png"}) {
    EXPECT_EQ(requests(path), 0) << path;
  }
}

} // namespace
} // namespace feedpop::ingest
