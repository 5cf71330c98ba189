// Feed discovery from HTTP Link headers (RFC 8288): the parser on its own, then a page on a
// real loopback server whose only pointer to its feed is a Link header.

#include "gateway/feed_discovery.hpp"

#include <gtest/gtest.h>

#include "tests/support/http_test_server.hpp"

namespace feedpop::gateway {
namespace {

using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

std::vector<std::string> targets(const std::vector<LinkValue>& links) {
  std::vector<std::string> out;
  for (const auto& l : links) {
    out.push_back(l.target + "|" + l.rel + "|" + l.type);
  }
  return out;
}

TEST(LinkHeader, SeveralLinksInOneValueWithQuotedAndBareParameters) {
  EXPECT_EQ(targets(parse_link_header(
                R"(</feed.xml>; rel="alternate"; type="application/rss+xml",)"
                R"( <https://x.example/a?b=1,2>;REL=Alternate;Type=Application/Atom+XML ,)"
                R"(<p2>; rel=next)")),
            (std::vector<std::string>{"/feed.xml|alternate|application/rss+xml",
                                      "https://x.example/a?b=1,2|alternate|application/atom+xml",
                                      "p2|next|"}));
}

TEST(LinkHeader, QuotedValuesKeepCommasSemicolonsAndEscapesAndOnlyTheFirstRelCounts) {
  EXPECT_EQ(targets(parse_link_header(
                R"(<a>; title="x, y; \"z\""; rel="alternate nofollow"; rel=next; type=a/b)")),
            (std::vector<std::string>{"a|alternate nofollow|a/b"}));
}

TEST(LinkHeader, GarbageIsSkippedUpToTheNextLink) {
  EXPECT_EQ(
      targets(parse_link_header(
          R"(garbage; rel="alternate, still quoted", <ok>; rel=alternate, <unclosed; rel=x)")),
      (std::vector<std::string>{"ok|alternate|"}));
  EXPECT_EQ(targets(parse_link_header(R"(<a> junk; rel=alternate, <b>; rel=x junk, <c>)")),
            (std::vector<std::string>{"c||"}));
  EXPECT_TRUE(parse_link_header("").empty());
  EXPECT_TRUE(parse_link_header(" , ,, ").empty());
  EXPECT_TRUE(parse_link_header("<").empty());
  EXPECT_EQ(targets(parse_link_header(R"(<a>; rel="alternate)")),
            (std::vector<std::string>{"a|alternate|"})); // unterminated quote: to the end
}

TEST(LinkHeader, FeedsAreAlternateLinksOfFeedTypesResolvedAcrossHeaders) {
  const std::vector<std::string> values = {
      R"(</feed.xml>; rel="alternate"; type="application/rss+xml", <style.css>; rel=stylesheet)",
      R"(<atom>; rel="nofollow ALTERNATE"; type="application/atom+xml; charset=utf-8")",
      R"(<fr/>; rel=alternate; type=text/html, <no-type>; rel=alternate, <>; rel=alternate; )"
      R"(type=application/rss+xml)",
      R"(<https://cdn.example/f.json>; rel=alternate; type=application/feed+json, )"
      R"(</feed.xml>; rel=alternate; type=application/rss+xml, <j>; rel=me; type=application/json)",
      "\x01\xff<<>>;;;==\"",
  };
  EXPECT_EQ(
      header_linked_feeds(values, "https://blog.example/posts/index.html"),
      (std::vector<std::string>{"https://blog.example/feed.xml", "https://blog.example/posts/atom",
                                "https://cdn.example/f.json"}));
  EXPECT_TRUE(header_linked_feeds({}, "https://blog.example/").empty());
}

constexpr const char* feed_body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
                                  "<title>Header feed</title></channel></rss>";

TEST(FeedDiscoveryOverHttp, APageWithoutLinkElementsIsFollowedThroughItsLinkHeader) {
  TempDir dir;
  write_file(dir.path / "feed.xml", feed_body);
  write_file(dir.path / "page.html", "<!doctype html><html><head><title>p</title></head>"
                                     "<body>no link elements here</body></html>");
  write_file(dir.path / "page.html.headers",
             "Content-Type: text/html; charset=utf-8\n"
             "Link: </files/feed.xml>; rel=\"alternate\"; type=\"application/rss+xml\"\n"
             "Link: <comments.xml>; rel=alternate; type=application/atom+xml\n");
  HttpTestServer server(dir.path);
  DiscoveryOptions options;
  options.allow_private = true;
  options.timeout = std::chrono::seconds(10);
  const auto found = discover_feed(server.url("/files/page.html"), options);
  EXPECT_EQ(found.error, "");
  EXPECT_EQ(found.feed_url, server.url("/files/feed.xml"));
  EXPECT_EQ(found.title, "Header feed");
  EXPECT_EQ(found.others, (std::vector<std::string>{server.url("/files/comments.xml")}));
}

TEST(FeedDiscoveryOverHttp, LinkElementsComeBeforeLinkHeaders) {
  TempDir dir;
  write_file(dir.path / "feed.xml", feed_body);
  write_file(dir.path / "page.html",
             "<!doctype html><html><head><title>p</title>"
             "<link rel=alternate type=application/rss+xml href=feed.xml></head>"
             "<body>a page</body></html>");
  write_file(dir.path / "page.html.headers",
             "Content-Type: text/html\n"
             "Link: </files/other.xml>; rel=alternate; type=application/rss+xml\n");
  HttpTestServer server(dir.path);
  DiscoveryOptions options;
  options.allow_private = true;
  options.timeout = std::chrono::seconds(10);
  const auto found = discover_feed(server.url("/files/page.html"), options);
  EXPECT_EQ(found.feed_url, server.url("/files/feed.xml"));
  EXPECT_EQ(found.others, (std::vector<std::string>{server.url("/files/other.xml")}));
}

} // namespace
} // namespace feedpop::gateway
