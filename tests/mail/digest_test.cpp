#include "mail/digest.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "mime_decode_support.hpp"

namespace feedpop::mail {
namespace {

using namespace std::chrono;

const sys_seconds period_end = sys_days{year{2026} / December / 7} + hours{6};

DigestItem item(const std::string& feed, int n, std::size_t body_size = 40) {
  DigestItem i;
  i.feed_key = feed;
  i.feed_title = feed + " blog";
  i.title = fmt::format("Entry {} of {}", n, feed);
  i.author = "Jane Doe";
  i.date = period_end - hours{n};
  i.link = fmt::format("https://{}.example/{}", feed, n);
  const std::string words(body_size, 'w');
  i.html = fmt::format("<p>Body of entry {} {}</p>", n, words);
  i.text = fmt::format("Body of entry {} {}\n", n, words);
  return i;
}

DigestOptions options() {
  DigestOptions o;
  o.key = "lwn/.digest";
  o.name = "lwn";
  o.period = "2026-12-07T06:00:00Z";
  o.date = period_end;
  o.date_label = "2026-12-07";
  o.hostname = "mail.example.net";
  return o;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return "popen failed";
  }
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) {
    out.append(buffer, n);
  }
  const int status = pclose(pipe);
  return out + fmt::format("exit status {}", WEXITSTATUS(status));
}

// Python's email package reads the message: no defects, both alternatives hold `titles`.
std::string python_check(const std::string& message, const std::vector<std::string>& titles) {
  const auto file = std::filesystem::temp_directory_path() /
                    fmt::format("feedpop-digest-{}.eml",
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::ofstream(file, std::ios::binary) << message;
  std::string command = fmt::format("python3 '{}/tests/mail/check_digest.py' '{}'",
                                    FEEDPOP_SOURCE_DIR, file.string());
  for (const auto& t : titles) {
    command += " '" + t + "'";
  }
  const std::string out = run(command + " 2>&1");
  std::filesystem::remove(file);
  return out;
}

std::string part_text(const std::string& message, const std::string& type) {
  const auto at = message.find("Content-Type: " + type);
  EXPECT_NE(at, std::string::npos) << type;
  const auto body = message.find("\r\n\r\n", at) + 4;
  const auto end = message.find("\r\n--=_feedpop_digest", body);
  const std::string raw = message.substr(body, end + 2 - body);
  const auto header = message.substr(at, body - at);
  return header.find("base64") != std::string::npos ? test::decode_base64(raw)
                                                    : test::decode_quoted_printable(raw);
}

TEST(Digest, ThreeEntriesBecomeOneMultipartAlternativeMessageWithEveryTitle) {
  const std::vector<DigestItem> items{item("lwn", 1), item("lwn", 2), item("lwn", 3)};
  const auto messages = render_digest(items, options());
  ASSERT_EQ(messages.size(), 1u);
  const std::string& m = messages[0].bytes;
  EXPECT_EQ(messages[0].identity, "2026-12-07T06:00:00Z");
  EXPECT_NE(m.find("Subject: lwn digest: 3 entries, 2026-12-07\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_EQ(m.find("multipart/digest"), std::string::npos);
  const std::string text = part_text(m, "text/plain");
  const std::string html = part_text(m, "text/html");
  for (const auto& i : items) {
    EXPECT_NE(text.find(i.title), std::string::npos) << i.title;
    EXPECT_NE(html.find(i.title), std::string::npos) << i.title;
    EXPECT_NE(html.find("href=\"" + i.link + "\""), std::string::npos);
    EXPECT_NE(text.find(i.link), std::string::npos);
  }
  EXPECT_EQ(python_check(m, {items[0].title, items[1].title, items[2].title}), "ok\nexit status 0");
}

TEST(Digest, TableOfContentsLinksToAnAnchorPerEntry) {
  const auto messages = render_digest({item("lwn", 1), item("lwn", 2)}, options());
  const std::string html = part_text(messages.at(0).bytes, "text/html");
  for (int n : {1, 2}) {
    const auto link = html.find(fmt::format("<a href=\"#entry-{}\">", n));
    const auto anchor = html.find(fmt::format("id=\"entry-{}\"", n));
    ASSERT_NE(link, std::string::npos);
    ASSERT_NE(anchor, std::string::npos);
    EXPECT_LT(link, anchor) << "the contents come first";
    EXPECT_NE(html.find(fmt::format("<a name=\"entry-{}\">", n)), std::string::npos);
  }
  EXPECT_NE(html.find("href=\"#contents\""), std::string::npos);
}

TEST(Digest, NoEntriesGiveNoMessage) {
  EXPECT_TRUE(render_digest({}, options()).empty());
}

TEST(Digest, SameInputsGiveTheSameBytesAndMessageIdDerivesFromKeyAndPeriod) {
  const std::vector<DigestItem> items{item("lwn", 1), item("lwn", 2)};
  const auto a = render_digest(items, options());
  const auto b = render_digest(items, options());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].bytes, b[0].bytes);
  const auto headers = test::header_fields(a[0].bytes);
  EXPECT_EQ(headers.at("Message-ID"),
            " " + message_id("lwn/.digest", "2026-12-07T06:00:00Z", "mail.example.net"));
  DigestOptions other = options();
  other.period = "2026-12-08T06:00:00Z";
  EXPECT_NE(test::header_fields(render_digest(items, other)[0].bytes).at("Message-ID"),
            headers.at("Message-ID"));
}

TEST(Digest, UserDigestGroupsEntriesUnderTheirFeed) {
  DigestOptions o = options();
  o.group_by_feed = true;
  o.name = "alice";
  // Interleaved in arrival order; grouped in the message, feeds in order of first entry.
  const std::vector<DigestItem> items{item("lwn", 1), item("hn", 1), item("lwn", 2), item("hn", 2)};
  const std::string m = render_digest(items, o).at(0).bytes;
  const std::string text = part_text(m, "text/plain");
  const auto lwn_head = text.find("=== lwn blog ===");
  const auto hn_head = text.find("=== hn blog ===");
  ASSERT_NE(lwn_head, std::string::npos);
  ASSERT_NE(hn_head, std::string::npos);
  EXPECT_LT(lwn_head, text.find("Entry 2 of lwn", text.find("===")));
  EXPECT_LT(text.find("Entry 2 of lwn", lwn_head), hn_head);
  EXPECT_LT(hn_head, text.find("Entry 1 of hn", lwn_head));
  const std::string html = part_text(m, "text/html");
  EXPECT_NE(html.find("<h3>lwn blog</h3>"), std::string::npos);
  EXPECT_NE(html.find("<h3>hn blog</h3>"), std::string::npos);
  EXPECT_NE(m.find("Subject: alice digest: 4 entries"), std::string::npos);
  EXPECT_EQ(python_check(m, {"Entry 1 of lwn", "Entry 2 of hn"}), "ok\nexit status 0");
}

TEST(Digest, DigestAbovePartSizeSplitsIntoNumberedPartsEachBelowIt) {
  DigestOptions o = options();
  o.part_size = 60'000;
  std::vector<DigestItem> items;
  for (int n = 1; n <= 12; ++n) {
    items.push_back(item("lwn", n, 10'000));
  }
  const auto messages = render_digest(items, o);
  ASSERT_GE(messages.size(), 2u);
  std::string all_text;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string part = fmt::format("({}/{})", i + 1, messages.size());
    EXPECT_NE(messages[i].bytes.find("Subject: lwn digest: 12 entries, 2026-12-07 " + part),
              std::string::npos)
        << i;
    EXPECT_EQ(messages[i].identity,
              fmt::format("2026-12-07T06:00:00Z#{}/{}", i + 1, messages.size()));
    EXPECT_LE(messages[i].bytes.size(), o.part_size);
    all_text += part_text(messages[i].bytes, "text/plain");
  }
  for (const auto& i : items) {
    EXPECT_EQ(all_text.find(i.title + "\n"), all_text.rfind(i.title + "\n"))
        << i.title << " in exactly one part's contents";
  }
  EXPECT_NE(all_text.find("12. Entry 12 of lwn"), std::string::npos) << "numbering spans parts";
}

TEST(Digest, InlineImagesBecomeRelatedPartsOncePerContentId) {
  DigestItem a = item("lwn", 1);
  a.images.push_back({"https://img.example/a.png", "img1@feedpop", "image/png", "PNGDATA"});
  a.html = "<p><img src=\"cid:img1@feedpop\"></p>";
  DigestItem b = item("lwn", 2);
  b.images = a.images;
  const std::string m = render_digest({a, b}, options()).at(0).bytes;
  EXPECT_NE(m.find("multipart/related"), std::string::npos);
  const auto first = m.find("Content-ID: <img1@feedpop>");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(m.find("Content-ID: <img1@feedpop>", first + 1), std::string::npos);
  EXPECT_EQ(python_check(m, {"Entry 1 of lwn"}), "ok\nexit status 0");
}

TEST(Digest, NonAsciiTitlesAreEncodedAndLinesStayShort) {
  DigestItem a = item("lwn", 1);
  a.title = "Grüße aus Köln — 日本語";
  a.html = "<p>" + std::string(3000, 'x') + "</p>";
  const std::string m = render_digest({a}, options()).at(0).bytes;
  for (const auto& line : test::crlf_lines(m)) {
    EXPECT_LE(line.size(), 998u);
    for (unsigned char c : line) {
      ASSERT_LT(c, 0x80);
    }
  }
  EXPECT_EQ(python_check(m, {a.title}), "ok\nexit status 0");
}

TEST(DigestItem, RoundTripsThroughItsStoredForm) {
  DigestItem i = item("lwn", 7);
  i.images.push_back({"https://img.example/a.png", "c@d", "image/png", std::string("\0\x01:9", 4)});
  const auto back = decode_digest_item(encode_digest_item(i));
  ASSERT_TRUE(back);
  const auto fields = [](const DigestItem& x) {
    std::vector<std::string> out{
        x.feed_key, x.feed_title, x.title, x.author,
        x.link,     x.html,       x.text,  std::to_string(x.date.time_since_epoch().count())};
    for (const auto& image : x.images) {
      out.insert(out.end(), {image.url, image.content_id, image.type, image.bytes});
    }
    return out;
  };
  EXPECT_EQ(fields(*back), fields(i));
  const std::string stored = encode_digest_item(i);
  EXPECT_FALSE(decode_digest_item(stored.substr(0, stored.size() - 1)));
  EXPECT_FALSE(decode_digest_item("not an item"));
}

TEST(DigestItem, CapturesTitleAuthorDateLinkAndPointsImagesAtTheirCid) {
  feeds::Entry e;
  e.title = "  A  title ";
  e.author = "Ann";
  e.link = "https://example.com/p";
  e.published = period_end;
  e.content_html = "<p>Hi <img src=\"https://img.example/a.png\"></p>";
  const FeedInfo feed{"lwn", std::string("LWN"), "https://lwn.example/rss", std::nullopt};
  const DigestItem i =
      digest_item(e, feed, period_end + hours{1},
                  {{"https://img.example/a.png", "x@feedpop", "image/png", "bytes"}});
  EXPECT_EQ(i.title, "A title");
  EXPECT_EQ(i.author, "Ann");
  EXPECT_EQ(i.date, period_end);
  EXPECT_EQ(i.link, "https://example.com/p");
  EXPECT_EQ(i.feed_title, "LWN");
  EXPECT_NE(i.html.find("src=\"cid:x@feedpop\""), std::string::npos);
  EXPECT_NE(i.text.find("Hi"), std::string::npos);
}

} // namespace
} // namespace feedpop::mail
