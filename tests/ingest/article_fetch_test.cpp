// content: full | auto — articles fetched from entry links over a real HTTP server.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/base64.hpp"
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

  // Every stored message, quoted-printable soft breaks and =3D decoded unless `raw`.
  std::vector<std::string> mailbox(bool raw = false) {
    auto store = storage::open_sqlite_store((data.path / "db").string(), storage::Role::writer);
    std::vector<std::string> out;
    for (const auto& item : store->snapshot("alice", {"a"})) {
      std::string m = storage::testing::read_whole(*store, item.id);
      if (raw) {
        out.push_back(std::move(m));
        continue;
      }
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

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string png_chunk(const std::string& type, const std::string& data) {
  const std::string body = type + data;
  std::uint32_t c = 0xFFFFFFFF;
  for (char ch : body) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) {
      c = (c >> 1) ^ (0xEDB88320U & (0U - (c & 1U)));
    }
  }
  return be32(static_cast<std::uint32_t>(data.size())) + body + be32(~c);
}

// A real greyscale PNG with a horizontal ramp, its pixels in stored (uncompressed)
// deflate blocks (RFC 1950/1951), so the test needs no image library.
std::string ramp_png(std::uint32_t width, std::uint32_t height) {
  std::string raw;
  for (std::uint32_t y = 0; y < height; ++y) {
    raw += '\0'; // filter: none
    for (std::uint32_t x = 0; x < width; ++x) {
      raw += static_cast<char>(x * 255 / width);
    }
  }
  std::string z = "\x78\x01";
  for (std::size_t at = 0; at < raw.size(); at += 65535) {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - at);
    const auto len = static_cast<std::uint16_t>(n);
    z += static_cast<char>(at + n == raw.size() ? 1 : 0);
    z += {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8),
          static_cast<char>(~len & 0xFF), static_cast<char>((~len >> 8) & 0xFF)};
    z.append(raw, at, n);
  }
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (char ch : raw) {
    a = (a + static_cast<unsigned char>(ch)) % 65521;
    b = (b + a) % 65521;
  }
  z += be32(b << 16 | a);
  return std::string("\x89PNG\r\n\x1A\n", 8) +
         png_chunk("IHDR", be32(width) + be32(height) + std::string("\x08\x00\x00\x00\x00", 5)) +
         png_chunk("IDAT", z) + png_chunk("IEND", "");
}

// The width in the IHDR of the first base64 image/png part of a stored message.
std::optional<std::uint32_t> inlined_png_width(const std::string& mail) {
  const auto part = mail.find("Content-Type: image/png");
  const auto body = part == std::string::npos ? part : mail.find("\r\n\r\n", part);
  if (body == std::string::npos) {
    return std::nullopt;
  }
  const auto end = mail.find("\r\n--", body);
  const auto png = base64::decode_lenient(mail.substr(body + 4, end - body - 4));
  if (!png || png->size() < 24 || png->substr(12, 4) != "IHDR") {
    return std::nullopt;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(png->data() + 16);
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

TEST_F(ArticleFetchTest, InlineImagesWiderThanImagesMaxWidthAreScaledDown) {
  write_file(files.path / "wide.png", ramp_png(3000, 20));
  const std::string page = article_page("orinoco");
  write_file(files.path / "x.html", page.substr(0, page.find("</article>")) +
                                        "<p><img src=\"/files/wide.png\" alt=\"ramp\"></p>" +
                                        page.substr(page.find("</article>")));
  feed({"x"}, "Teaser only", ContentMode::full);
  config.feeds["a"].images = ImagesMode::inline_;
  config.fetch.images_max_width = 1000;
  config.feeds["a"].images_max_width = 640; // the feed's own wins
  EXPECT_EQ(poll().images_failed, 0U);
  const auto mail = mailbox(true);
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(inlined_png_width(mail[0]), 640U) << mail[0].substr(0, 3000);
}

TEST_F(ArticleFetchTest, WithoutImagesMaxWidthImagesKeepTheirSize) {
  write_file(files.path / "wide.png", ramp_png(3000, 20));
  const std::string page = article_page("limpopo");
  write_file(files.path / "x.html", page.substr(0, page.find("</article>")) +
                                        "<p><img src=\"/files/wide.png\" alt=\"ramp\"></p>" +
                                        page.substr(page.find("</article>")));
  feed({"x"}, "Teaser only", ContentMode::full);
  config.feeds["a"].images = ImagesMode::inline_;
  config.fetch.images_max_width = 800;
  config.feeds["a"].images_max_width = 0; // `none`
  poll();
  const auto mail = mailbox(true);
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(inlined_png_width(mail[0]), 3000U);
}

// fetch.per_host holds for a feed host and its article host together: feed "slow" keeps
// one of the two slots busy while feed "a"'s three articles and their images are fetched,
// so they go one at a time (a client of their own would open two more connections).
TEST_F(ArticleFetchTest, ArticlesAndImagesShareTheFeedsPerHostSlots) {
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + "pixels";
  write_file(files.path / "p.png", png);
  const std::string page = article_page("kalahari");
  write_file(files.path / "x.html",
             page.substr(0, page.find("</article>")) +
                 "<p><img src=\"/hold?ms=150&amp;file=p.png\" alt=\"p\"></p>" +
                 page.substr(page.find("</article>")));
  std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>";
  for (int i = 0; i < 3; ++i) {
    rss += fmt::format("<item><guid>g{}</guid><title>t{}</title><link>{}</link>"
                       "<description>Teaser</description></item>",
                       i, i, server->url(fmt::format("/hold?ms=150&amp;file=x.html&amp;n={}", i)));
  }
  write_file(files.path / "a.xml", rss + "</channel></rss>");
  write_file(files.path / "slow.xml", rss + "</channel></rss>");
  FeedOptions a;
  a.key = "a";
  a.url = server->url("/hold?ms=20&file=a.xml");
  a.initial = std::nullopt;
  a.content = ContentMode::full;
  a.images = ImagesMode::inline_;
  config.feeds["a"] = a;
  FeedOptions slow;
  slow.key = "slow";
  slow.url = server->url("/hold?ms=1500&file=slow.xml");
  config.feeds["slow"] = slow;
  config.fetch.per_host = 2;
  Fetcher fetcher(storage::open_sqlite_store((data.path / "db").string(), storage::Role::writer),
                  config);
  const auto report = fetcher.poll_once();
  ASSERT_EQ(report.feeds.size(), 2U);
  for (const auto& r : report.feeds) {
    EXPECT_TRUE(r.ok) << r.key << ": " << r.error;
    if (r.key == "a") {
      EXPECT_EQ(r.articles_fetched, 3U);
      EXPECT_EQ(r.images_failed, 0U);
    }
  }
  feeds::HttpClient client;
  feeds::HttpRequest peak;
  peak.url = server->url("/max_concurrent");
  EXPECT_EQ(std::get<feeds::Fetched>(client.fetch(peak)).body, "2");
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
