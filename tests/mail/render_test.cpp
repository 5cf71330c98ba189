#include "mail/render.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "mime_decode_support.hpp"

namespace feedpop::mail {
namespace {

using namespace std::chrono;
using test::crlf_lines;
using test::decode_base64;
using test::decode_quoted_printable;
using test::decode_unstructured;
using test::header_fields;

const sys_seconds published = sys_days{year{2024} / March / 5} + hours{9} + minutes{30};
const sys_seconds seen = sys_days{year{2025} / January / 2} + hours{12};

feeds::Entry sample_entry() {
  feeds::Entry entry;
  entry.id = "tag:example.com,2024:post-1";
  entry.title = "Hello &  world";
  entry.link = "https://example.com/posts/1";
  entry.author = "Jane Doe";
  entry.published = published;
  entry.content_html = "<p>First <a href=\"https://example.com/x\">link</a>.</p>";
  return entry;
}

FeedInfo sample_feed() {
  return {"example", std::string("Example Blog"), "https://example.com/feed.xml",
          std::string("https://example.com/")};
}

RenderOptions sample_options() {
  RenderOptions options;
  options.hostname = "mail.example.net";
  options.identity = "tag:example.com,2024:post-1";
  options.first_seen = seen;
  return options;
}

struct Part {
  std::string content_type;
  std::string body; // decoded
};

// Decodes a single-part body or every part of a multipart/alternative message.
std::vector<Part> parts_of(const std::string& message) {
  const auto headers = header_fields(message);
  const std::string body = message.substr(message.find("\r\n\r\n") + 4);
  const auto decode = [](const std::map<std::string, std::string>& h, const std::string& raw) {
    const std::string cte = h.at("Content-Transfer-Encoding");
    return cte.find("base64") != std::string::npos ? decode_base64(raw)
                                                   : decode_quoted_printable(raw);
  };
  const std::string type = headers.at("Content-Type");
  if (type.find("multipart/alternative") == std::string::npos) {
    return {{type, decode(headers, body)}};
  }
  std::smatch m;
  const std::regex boundary_re("boundary=\"([^\"]+)\"");
  EXPECT_TRUE(std::regex_search(type, m, boundary_re)) << type;
  const std::string delimiter = "--" + m[1].str();
  EXPECT_NE(body.find(delimiter + "--\r\n"), std::string::npos) << "closing delimiter";
  std::vector<Part> parts;
  std::size_t pos = body.find(delimiter + "\r\n");
  while (pos != std::string::npos) {
    const std::size_t start = pos + delimiter.size() + 2;
    const std::size_t next = body.find("\r\n" + delimiter, start - 2);
    const std::string raw = body.substr(start, next + 2 - start);
    const auto part_headers = header_fields(raw);
    parts.push_back({part_headers.at("Content-Type"),
                     decode(part_headers, raw.substr(raw.find("\r\n\r\n") + 4))});
    pos = body.compare(next + 2, delimiter.size() + 4, delimiter + "--\r\n") == 0
              ? std::string::npos
              : next + 2;
  }
  return parts;
}

std::string decoded(const std::string& message, const std::string& name) {
  return decode_unstructured(header_fields(message).at(name));
}

TEST(Render, WritesTheHeadersEveryClientNeeds) {
  const std::string message = render(sample_entry(), sample_feed(), sample_options());
  const auto h = header_fields(message);
  EXPECT_EQ(decoded(message, "From"), "Jane Doe \"(Example Blog)\" <example@mail.example.net>");
  EXPECT_EQ(decoded(message, "Subject"), "Hello & world");
  EXPECT_EQ(h.at("Date"), " Tue, 05 Mar 2024 09:30:00 +0000");
  EXPECT_EQ(h.at("Message-ID"),
            " " + message_id("example", sample_options().identity, "mail.example.net"));
  EXPECT_EQ(h.at("List-Id"), " <example.mail.example.net>");
  EXPECT_EQ(h.at("Archived-At"), " <https://example.com/posts/1>");
  EXPECT_EQ(h.at("X-Feed-URL"), " <https://example.com/feed.xml>");
  EXPECT_EQ(decoded(message, "X-Entry-ID"), "tag:example.com,2024:post-1");
  EXPECT_EQ(h.at("MIME-Version"), " 1.0");
  EXPECT_EQ(h.count("In-Reply-To"), 0u);
}

TEST(Render, TagsFromRulesBecomeOneKeywordsField) {
  EXPECT_EQ(
      header_fields(render(sample_entry(), sample_feed(), sample_options())).count("Keywords"), 0u);
  RenderOptions options = sample_options();
  options.keywords = {"rust", "must-read"};
  EXPECT_EQ(decoded(render(sample_entry(), sample_feed(), options), "Keywords"), "rust, must-read");
}

TEST(Render, MessageIdIsStableAndDerivedFromFeedKeyAndIdentity) {
  const std::string id = message_id("example", "guid-1", "h.example");
  EXPECT_TRUE(std::regex_match(id, std::regex("<[0-9a-f]{32}\\.example@h\\.example>"))) << id;
  EXPECT_EQ(id, message_id("example", "guid-1", "h.example"));
  EXPECT_NE(id, message_id("example", "guid-2", "h.example"));
  EXPECT_NE(id, message_id("other", "guid-1", "h.example"));
  EXPECT_TRUE(std::regex_match(message_id("odd key/é", "x", "bad host!"),
                               std::regex("<[0-9a-f]{32}\\.odd-key---@feedpop\\.localhost>")));
}

TEST(Render, IsDeterministic) {
  EXPECT_EQ(render(sample_entry(), sample_feed(), sample_options()),
            render(sample_entry(), sample_feed(), sample_options()));
}

TEST(Render, UsesCrlfOnlyShortLinesAndSevenBitBytes) {
  feeds::Entry entry = sample_entry();
  entry.title = std::string(300, 'W') + " Ünïcödé 🎉";
  entry.content_html =
      "<pre>" + std::string(5000, 'x') + "</pre><p>" + std::string(3000, 'y') + " ü</p>";
  const std::string message = render(entry, sample_feed(), sample_options());
  for (std::size_t i = 0; i < message.size(); ++i) {
    const auto c = static_cast<unsigned char>(message[i]);
    ASSERT_LT(c, 0x80u) << "8-bit byte at " << i;
    if (c == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
    }
    if (c == '\r') {
      ASSERT_EQ(message[i + 1], '\n') << "bare CR at " << i;
    }
  }
  for (const auto& line : crlf_lines(message)) {
    EXPECT_LE(line.size(), 998u);
  }
  EXPECT_TRUE(message.ends_with("\r\n"));
}

TEST(Render, HtmlEntryIsMultipartAlternativeWithTextFirst) {
  const auto parts = parts_of(render(sample_entry(), sample_feed(), sample_options()));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_NE(parts[0].content_type.find("text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(parts[1].content_type.find("text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(parts[0].body.find("First link [1]."), std::string::npos) << parts[0].body;
  EXPECT_NE(parts[0].body.find("[1] https://example.com/x"), std::string::npos);
  EXPECT_NE(parts[1].body.find("<a href=\"https://example.com/x\">link</a>"), std::string::npos);
}

TEST(Render, HtmlPartHasAHeaderWithFeedAuthorDateAndOriginalLink) {
  const auto parts = parts_of(render(sample_entry(), sample_feed(), sample_options()));
  const std::string& html = parts.at(1).body;
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://example.com/\">Example Blog</a>"), std::string::npos);
  EXPECT_NE(html.find("Jane Doe"), std::string::npos);
  EXPECT_NE(html.find("5 Mar 2024 09:30 UTC"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"https://example.com/posts/1\">Read the original</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<title>Hello &amp; world</title>"), std::string::npos);
}

TEST(Render, BoundaryNeverOccursInTheContent) {
  feeds::Entry entry = sample_entry();
  entry.content_html = "<p>--=_feedpop_ and =_feedpop_0123 look like boundaries</p>";
  const std::string message = render(entry, sample_feed(), sample_options());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(message, m, std::regex("boundary=\"([^\"]+)\"")));
  const std::string delimiter = "--" + m[1].str();
  std::size_t count = 0;
  for (std::size_t pos = message.find(delimiter); pos != std::string::npos;
       pos = message.find(delimiter, pos + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 3u) << "two part delimiters and the closing one";
  EXPECT_EQ(parts_of(message).size(), 2u);
}

TEST(Render, PlainTextEntryGetsATextPlainBody) {
  feeds::Entry entry = sample_entry();
  entry.content_html = "Just words &amp; no markup.";
  const std::string message = render(entry, sample_feed(), sample_options());
  EXPECT_EQ(message.find("multipart"), std::string::npos);
  const auto parts = parts_of(message);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_NE(parts[0].content_type.find("text/plain"), std::string::npos);
  EXPECT_TRUE(parts[0].body.starts_with("Just words & no markup.\r\n")) << parts[0].body;
  EXPECT_NE(parts[0].body.find("-- \r\nExample Blog\r\nhttps://example.com/posts/1"),
            std::string::npos);
}

TEST(Render, EntryWithoutBodyStillNamesFeedAndLink) {
  feeds::Entry entry = sample_entry();
  entry.content_html.reset();
  const auto parts = parts_of(render(entry, sample_feed(), sample_options()));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].body, "-- \r\nExample Blog\r\nhttps://example.com/posts/1\r\n");
}

TEST(Render, SummaryIsUsedWhenThereIsNoContent) {
  feeds::Entry entry = sample_entry();
  entry.content_html.reset();
  entry.summary_html = "<p>The summary.</p>";
  EXPECT_NE(parts_of(render(entry, sample_feed(), sample_options()))[0].body.find("The summary."),
            std::string::npos);
}

TEST(Render, DateFallsBackToUpdatedThenFirstSeen) {
  feeds::Entry entry = sample_entry();
  entry.published.reset();
  entry.updated = published + hours{24};
  EXPECT_EQ(header_fields(render(entry, sample_feed(), sample_options())).at("Date"),
            " Wed, 06 Mar 2024 09:30:00 +0000");
  entry.updated.reset();
  EXPECT_EQ(header_fields(render(entry, sample_feed(), sample_options())).at("Date"),
            " Thu, 02 Jan 2025 12:00:00 +0000");
  entry.published = sys_days{year{12000} / 1 / 1}; // not a date a message can carry
  EXPECT_EQ(header_fields(render(entry, sample_feed(), sample_options())).at("Date"),
            " Thu, 02 Jan 2025 12:00:00 +0000");
}

TEST(Render, UpdatedEntryThreadsUnderItsEarlierVersion) {
  RenderOptions options = sample_options();
  options.in_reply_to = "<abc.example@mail.example.net>";
  const auto h = header_fields(render(sample_entry(), sample_feed(), options));
  EXPECT_EQ(h.at("In-Reply-To"), " <abc.example@mail.example.net>");
  EXPECT_EQ(h.at("References"), " <abc.example@mail.example.net>");
}

TEST(Render, FromFallsBackToFeedTitleThenKey) {
  feeds::Entry entry = sample_entry();
  entry.author.reset();
  EXPECT_EQ(decoded(render(entry, sample_feed(), sample_options()), "From"),
            "Example Blog <example@mail.example.net>");
  FeedInfo feed = sample_feed();
  feed.title.reset();
  EXPECT_EQ(decoded(render(entry, feed, sample_options()), "From"),
            "example <example@mail.example.net>");
  EXPECT_EQ(from_display_name(sample_entry(), feed), "Jane Doe");
}

TEST(Render, UntitledEntryTakesItsSubjectFromTheText) {
  feeds::Entry entry = sample_entry();
  entry.title = "  \n ";
  entry.summary_html = "<p>An untitled note about <b>many</b> things that goes on for quite a "
                       "while, longer than any subject line should be.</p>";
  const std::string subject = subject_text(entry);
  EXPECT_TRUE(subject.starts_with("An untitled note about many things")) << subject;
  EXPECT_TRUE(subject.ends_with("…")) << subject;
  entry.summary_html.reset();
  entry.content_html.reset();
  EXPECT_EQ(subject_text(entry), "(no title)");
}

TEST(Render, ArchivedAtIsPercentEncodedAndOmittedWithoutLink) {
  feeds::Entry entry = sample_entry();
  entry.link = "https://example.com/a path/é";
  EXPECT_EQ(header_fields(render(entry, sample_feed(), sample_options())).at("Archived-At"),
            " <https://example.com/a%20path/%C3%A9>");
  entry.link.reset();
  EXPECT_EQ(header_fields(render(entry, sample_feed(), sample_options())).count("Archived-At"), 0u);
}

TEST(Render, EnclosuresAreListedWithLinkTypeAndSize) {
  feeds::Entry entry = sample_entry();
  entry.enclosures = {{"https://cdn.example.com/ep/42.mp3?x=1", "audio/mpeg", 12345678},
                      {"https://cdn.example.com/notes.pdf", std::nullopt, std::nullopt}};
  const auto parts = parts_of(render(entry, sample_feed(), sample_options()));
  EXPECT_NE(parts[0].body.find("• https://cdn.example.com/ep/42.mp3?x=1\r\n  audio/mpeg, 12.3 MB"),
            std::string::npos)
      << parts[0].body;
  EXPECT_NE(parts[0].body.find("• https://cdn.example.com/notes.pdf\r\n"), std::string::npos);
  EXPECT_NE(parts[1].body.find("<a href=\"https://cdn.example.com/ep/42.mp3?x=1\">42.mp3</a> "
                               "(audio/mpeg, 12.3 MB)"),
            std::string::npos)
      << parts[1].body;
}

TEST(Render, EnclosureOnlyEntryListsIt) {
  feeds::Entry entry = sample_entry();
  entry.content_html.reset();
  entry.enclosures = {{"https://cdn.example.com/a.mp3", "audio/mpeg", 999}};
  const auto parts = parts_of(render(entry, sample_feed(), sample_options()));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_TRUE(parts[0].body.starts_with("Attachments:\r\n• https://cdn.example.com/a.mp3\r\n  "
                                        "audio/mpeg, 999 bytes\r\n"))
      << parts[0].body;
}

// Sanitising (defence in depth: the parser sanitises too, but render() must not trust it).
class RenderSanitises : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(RenderSanitises, RemovesDangerousMarkupFromBothParts) {
  const auto& [html, forbidden] = GetParam();
  feeds::Entry entry = sample_entry();
  entry.content_html = std::string("<p>Before</p>") + html + "<p>After</p>";
  const auto parts = parts_of(render(entry, sample_feed(), sample_options()));
  ASSERT_EQ(parts.size(), 2u);
  for (const auto& part : parts) {
    std::string lower = part.body;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    EXPECT_EQ(lower.find(forbidden), std::string::npos) << part.content_type << ":\n" << part.body;
    EXPECT_NE(part.body.find("Before"), std::string::npos);
    EXPECT_NE(part.body.find("After"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules, RenderSanitises,
    ::testing::Values(
        std::pair{"<script>alert('x')</script>", "alert"},
        std::pair{"<SCRIPT src=\"https://evil.example/x.js\"></SCRIPT>", "evil.example"},
        std::pair{"<style>body{background:url(https://evil.example/t.png)}</style>",
                  "evil.example"},
        std::pair{"<p style=\"background:url('https://evil.example/t.png')\">s</p>",
                  "evil.example"},
        std::pair{"<iframe src=\"https://evil.example/frame\"></iframe>", "evil.example"},
        std::pair{"<object data=\"https://evil.example/x.swf\"></object>", "evil.example"},
        std::pair{"<embed src=\"https://evil.example/x.swf\">", "evil.example"},
        std::pair{"<form action=\"https://evil.example/post\"><input name=q></form>",
                  "evil.example"},
        std::pair{"<p onclick=\"steal()\" onmouseover='steal()'>x</p>", "steal"},
        std::pair{"<a href=\"javascript:steal()\">x</a>", "javascript:"},
        std::pair{"<a href=\" JaVaScRiPt:steal()\">x</a>", "javascript:"}));

TEST(Render, AnEntryLinkWithAnUnsafeSchemeIsWrittenNowhere) {
  for (const char* link : {"javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
                           "vbscript:x", "file:///etc/passwd"}) {
    feeds::Entry entry = sample_entry();
    entry.link = link;
    entry.content_html = "<p><a href=\"rel\">relative</a> text</p>";
    entry.enclosures = {{std::string(link) + "/a.mp3", "audio/mpeg", 1}};
    const std::string message = render(entry, sample_feed(), sample_options());
    EXPECT_EQ(header_fields(message).count("Archived-At"), 0u) << link;
    const auto parts = parts_of(message);
    ASSERT_EQ(parts.size(), 2u);
    for (const auto& part : parts) {
      std::string lower = part.body;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      for (const char* scheme : {"javascript:", "vbscript:", "data:", "file:"}) {
        EXPECT_EQ(lower.find(scheme), std::string::npos) << link << "\n" << part.body;
      }
    }
    // Relative links in the content resolve against the feed instead.
    EXPECT_NE(parts[1].body.find("href=\"https://example.com/rel\""), std::string::npos)
        << parts[1].body;
  }
}

TEST(Render, TextPartListsOnlyLinksWithSafeSchemes) {
  feeds::Entry entry = sample_entry();
  entry.content_html = "<p><a href=\"https://e.com/1\">one</a> <a href=\"ftp://e.com/2\">two</a> "
                       "<a href=\"mailto:a@e.com\">mail</a> <a href=\"data:text/html,x\">d</a></p>";
  const auto parts = parts_of(render(entry, sample_feed(), sample_options()));
  EXPECT_NE(parts[0].body.find("[1] https://e.com/1"), std::string::npos) << parts[0].body;
  EXPECT_NE(parts[0].body.find("[2] mailto:a@e.com"), std::string::npos) << parts[0].body;
  EXPECT_EQ(parts[0].body.find("ftp:"), std::string::npos) << parts[0].body;
  EXPECT_EQ(parts[0].body.find("data:"), std::string::npos) << parts[0].body;
}

TEST(Render, AShortenedSenderKeepsItsClosingParenthesis) {
  feeds::Entry entry = sample_entry();
  entry.author = "shijielai";
  FeedInfo feed = sample_feed();
  feed.title = "\xE6\x8A\x95\xE8\xB5\x84\xE8\xB5\x84\xE8\xAE\xAF\xE7\xBD\x91"
               "\xE4\xBA\xA4\xE6\x98\x93\xE5\x9C\xA8\xE7\xBA\xBF--\xE6\xB5\x81\xE9\x80\x9A"
               "\xE7\xBA\xAA\xE5\xBF\xB5\xE5\xB8\x81\xE9\x92\xB1\xE5\xB8\x81\xE9\x82\xAE"
               "\xE7\xA5\xA8\xE6\x94\xB6\xE8\x97\x8F\xE5\x93\x81\xE4\xBA\xA4\xE6\x98\x93";
  const std::string name = from_display_name(entry, feed);
  EXPECT_TRUE(name.starts_with("shijielai (\xE6\x8A\x95")) << name;
  EXPECT_TRUE(name.ends_with("\xE2\x80\xA6)")) << name;
  EXPECT_LT(name.size(), 11 + feed.title->size() + 1);
  // The From field carries the same name, decoded.
  const std::string message = render(entry, feed, sample_options());
  EXPECT_NE(decoded(message, "From").find(name), std::string::npos) << decoded(message, "From");
}

TEST(Render, TheSenderNamesTheFeedsAuthorWhenTheEntryHasNone) {
  feeds::Entry entry = sample_entry();
  entry.author.reset();
  entry.feed_author = "Ann Author";
  EXPECT_EQ(from_display_name(entry, sample_feed()), "Ann Author (Example Blog)");
  entry.author = "Jane Doe";
  EXPECT_EQ(from_display_name(entry, sample_feed()), "Jane Doe (Example Blog)");
}

TEST(Render, TheHeaderLineNamesAnAuthorWhoIsTheFeedOnlyOnce) {
  feeds::Entry entry = sample_entry();
  entry.author = "Example Blog";
  const auto parts = parts_of(render(entry, sample_feed(), sample_options()));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].body.find("Example Blog</a> &middot; Example Blog"), std::string::npos)
      << parts[1].body;
  entry.author = "Jane Doe";
  EXPECT_NE(
      parts_of(render(entry, sample_feed(), sample_options()))[1].body.find("&middot; Jane Doe"),
      std::string::npos);
}

TEST(Render, ImagesStayRemoteAndRelativeUrlsBecomeAbsolute) {
  feeds::Entry entry = sample_entry();
  entry.content_html = "<p><img src=\"/img/cat.png\" alt=\"cat\"> <a href=\"../2\">prev</a></p>";
  const std::string message = render(entry, sample_feed(), sample_options());
  EXPECT_EQ(message.find("multipart/related"), std::string::npos);
  EXPECT_EQ(message.find("cid:"), std::string::npos);
  const auto parts = parts_of(message);
  EXPECT_NE(parts[1].body.find("src=\"https://example.com/img/cat.png\""), std::string::npos)
      << parts[1].body;
  EXPECT_NE(parts[1].body.find("href=\"https://example.com/2\""), std::string::npos);
  EXPECT_NE(parts[0].body.find("[image: cat]"), std::string::npos);
}

} // namespace
} // namespace feedpop::mail
