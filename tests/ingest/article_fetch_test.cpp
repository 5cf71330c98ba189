// content: full | auto — articles fetched from entry links over a real HTTP server.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "feeds/http_client.hpp"
#include "ingest/article_fetch.hpp"
#include "ingest/fetcher.hpp"
#include "ingest/inline_images.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::ingest {
namespace {

using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

std::string article_page(const std::string& word) {
  std::string paragraphs;
  for (int i = 0; i < 6; ++i) {
    paragraphs += fmt::format(
        "<p>The {} paragraph number {} tells a long story, with commas, clauses, and enough "
        "words to look like the body of a real article that a reader wants to "
        "<a href=\"https://b.example/more?utm_source=x&amp;id={}\">read</a>.</p>",
        word, i, i);
  }
  return "<!DOCTYPE html><html><head><title>Article</title></head><body>"
         "<nav><a href=\"/\">Home</a></nav><article>" +
         paragraphs + "</article><footer>Footer</footer></body></html>";
}

class ArticleFetchTest : public ::testing::Test {
protected:
  void SetUp() override {
    server = std::make_unique<HttpTestServer>(files.path);
    config.fetch.timeout = std::chrono::seconds(10);
  }

  // One feed "a" whose entries link to /files/<guid>.html with description `teaser`.
  void feed(const std::vector<std::string>& guids, const std::string& teaser,
            std::optional<ContentMode> mode) {
    std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
    for (const auto& g : guids) {
      rss += fmt::format("<item><guid>{}</guid><title>{}</title><link>{}</link>"
                         "<description>{}</description></item>",
                         g, g, server->url("/files/" + g + ".html"), teaser);
    }
    write_file(files.path / "a.xml", rss + "</channel></rss>");
    FeedOptions f;
    f.key = "a";
    f.url = server->url("/files/a.xml");
    f.initial = std::nullopt;
    f.content = mode;
    config.feeds["a"] = f;
  }

  FeedPollResult poll() {
    Fetcher fetcher(storage::open_sqlite_store((data.path / "db").string(), storage::Role::writer),
                    config);
    auto report = fetcher.poll_once();
    EXPECT_EQ(report.feeds.size(), 1U);
    return report.feeds.empty() ? FeedPollResult{} : report.feeds.front();
  }

  // Every stored message, quoted-printable soft breaks and =3D decoded.
  std::vector<std::string> mailbox() {
    auto store = storage::open_sqlite_store((data.path / "db").string(), storage::Role::writer);
    std::vector<std::string> out;
    for (const auto& item : store->snapshot("alice", {"a"})) {
      std::string m = storage::testing::read_whole(*store, item.id);
      for (auto p = m.find("=\r\n"); p != std::string::npos; p = m.find("=\r\n", p)) {
        m.erase(p, 3);
      }
      for (auto p = m.find("=3D"); p != std::string::npos; p = m.find("=3D", p + 1)) {
        m.erase(p + 1, 2);
      }
      out.push_back(std::move(m));
    }
    return out;
  }

  int requests(const std::string& path) {
    feeds::HttpClient client;
    feeds::HttpRequest r;
    r.url = server->url("/count?path=" + path);
    return std::stoi(std::get<feeds::Fetched>(client.fetch(r)).body);
  }

  TempDir files{"feedpop-files"};
  TempDir data{"feedpop-data"};
  std::unique_ptr<HttpTestServer> server;
  Options config;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_F(ArticleFetchTest, FullReplacesTheBodyOnceAndNeverFetchesAKnownEntryAgain) {
  write_file(files.path / "x.html", article_page("zanzibar"));
  feed({"x"}, "Teaser only", ContentMode::full);
  auto r = poll();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.articles_fetched, 1U);
  EXPECT_EQ(r.articles_failed, 0U);
  auto mail = mailbox();
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_TRUE(contains(mail[0], "zanzibar paragraph number 5")) << mail[0];
  EXPECT_FALSE(contains(mail[0], "Teaser only"));
  EXPECT_TRUE(contains(mail[0], "https://b.example/more?id=5"));
  EXPECT_FALSE(contains(mail[0], "utm_"));
  EXPECT_EQ(requests("/files/x.html"), 1);

  write_file(files.path / "y.html", article_page("yokohama"));
  feed({"x", "y"}, "Teaser only", ContentMode::full);
  r = poll();
  EXPECT_EQ(r.new_entries, 1U);
  EXPECT_EQ(r.articles_fetched, 1U);
  EXPECT_EQ(requests("/files/x.html"), 1); // known: not fetched again
  EXPECT_EQ(requests("/files/y.html"), 1);
}

TEST_F(ArticleFetchTest, AFailedFetchKeepsTheFeedBodyWithANote) {
  feed({"missing"}, "Teaser only", ContentMode::full);
  const auto r = poll();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.articles_failed, 1U);
  const auto mail = mailbox();
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_TRUE(contains(mail[0], "Teaser only"));
  EXPECT_TRUE(contains(mail[0], "feedpop could not fetch the full article: HTTP 404")) << mail[0];
}

TEST_F(ArticleFetchTest, FeedModeFetchesNothing) {
  write_file(files.path / "x.html", article_page("zanzibar"));
  feed({"x"}, "Teaser only", std::nullopt); // fetch.content defaults to feed
  poll();
  EXPECT_EQ(requests("/files/x.html"), 0);
  ASSERT_EQ(mailbox().size(), 1U);
  EXPECT_TRUE(contains(mailbox()[0], "Teaser only"));
}

TEST_F(ArticleFetchTest, AutoFetchesOnlyTruncatedEntries) {
  std::string long_body;
  for (int i = 0; i < 40; ++i) {
    long_body += "A complete sentence of the feed's own full text. ";
  }
  write_file(files.path / "x.html", article_page("zanzibar"));
  feed({"x"}, long_body, ContentMode::automatic);
  poll();
  EXPECT_EQ(requests("/files/x.html"), 0);

  write_file(files.path / "y.html", article_page("yokohama"));
  feed({"y"}, "The start of the story [&#8230;]", ContentMode::automatic);
  const auto r = poll();
  EXPECT_EQ(r.articles_fetched, 1U);
  EXPECT_EQ(requests("/files/y.html"), 1);
  bool found = false;
  for (const auto& m : mailbox()) {
    found = found || contains(m, "yokohama paragraph number 5");
  }
  EXPECT_TRUE(found);
}

TEST_F(ArticleFetchTest, InlineImagesBecomeRelatedPartsAndOthersStayRemote) {
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + "pixels";
  write_file(files.path / "p.png", png);
  write_file(files.path / "s.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
  const std::string page = article_page("zanzibar");
  const std::string images = "<p><img src=\"/files/p.png?utm_source=rss\" alt=\"pic\"> "
                             "<img src=\"/files/s.svg\" alt=\"vector\"></p>";
  write_file(files.path / "x.html", page.substr(0, page.find("</article>")) + images +
                                        page.substr(page.find("</article>")));
  feed({"x"}, "Teaser only", ContentMode::full);
  config.feeds["a"].images = ImagesMode::inline_;
  const auto r = poll();
  EXPECT_EQ(r.images_failed, 1U); // the SVG
  const auto mail = mailbox();
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_TRUE(contains(mail[0], "Content-Type: multipart/related")) << mail[0];
  EXPECT_TRUE(contains(mail[0], "Content-Type: image/png")) << mail[0];
  EXPECT_TRUE(contains(mail[0], "src=\"cid:img0.")) << mail[0];
  EXPECT_TRUE(contains(mail[0], "Content-ID: <img0.")) << mail[0];
  EXPECT_TRUE(contains(mail[0], "iVBORw0KGgpwaXhlbHM")) << mail[0]; // base64 of `png`
  EXPECT_TRUE(contains(mail[0], "/files/s.svg\"")) << mail[0];
  EXPECT_EQ(requests("/files/p.png"), 1);
}

TEST(SniffImageType, ByTheLeadingBytes) {
  EXPECT_EQ(sniff_image_type("\xFF\xD8\xFF\xE0rest"), "image/jpeg");
  EXPECT_EQ(sniff_image_type(std::string("\x89PNG\r\n\x1A\n", 8)), "image/png");
  EXPECT_EQ(sniff_image_type("GIF89a..."), "image/gif");
  EXPECT_EQ(sniff_image_type(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(sniff_image_type("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), std::nullopt);
  EXPECT_EQ(sniff_image_type(""), std::nullopt);
}

TEST(LooksTruncated, EmptyShortOrEllipsisEndingBodies) {
  feeds::Entry e;
  EXPECT_TRUE(looks_truncated(e));
  e.summary_html = "Short teaser";
  EXPECT_TRUE(looks_truncated(e));
  std::string long_text(2000, 'a');
  e.summary_html = "<p>" + long_text + "</p>";
  EXPECT_FALSE(looks_truncated(e));
  e.summary_html = "<p>" + long_text + " \xE2\x80\xA6</p>";
  EXPECT_TRUE(looks_truncated(e));
  e.summary_html = "<p>" + long_text + "</p><p><a href=\"x\">Read more</a></p>";
  EXPECT_TRUE(looks_truncated(e));
}

} // namespace
} // namespace feedpop::ingest
