#include <chrono>
#include <gtest/gtest.h>

#include "feeds/parse.hpp"
#include "fixture_support.hpp"

namespace feedpop::feeds {
namespace {

using namespace std::chrono;
using testing::parse_fixture;
using testing::parse_ok;

sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

TEST(ParseRss20, ReadsChannelItemsAndEveryCommonElement) {
  Feed f = parse_fixture("rss20_content_encoded_guid_enclosure.xml");
  EXPECT_EQ(f.format, Format::rss20);
  EXPECT_EQ(f.title, "Fish & Chips Weekly");
  EXPECT_EQ(f.link, "https://example.com/"); // not the image's link
  EXPECT_EQ(f.ttl, minutes(90));
  ASSERT_EQ(f.entries.size(), 2u);
  const Entry& e = f.entries[0];
  EXPECT_EQ(e.title, "First post"); // escaped markup in an RSS title is reduced to text
  EXPECT_EQ(e.id, "post-1");
  EXPECT_EQ(e.link, "https://example.com/1");
  EXPECT_EQ(e.author, "Jo Doe");
  EXPECT_EQ(e.published, utc(2003, 6, 10, 4, 0, 0));
  EXPECT_EQ(e.updated, utc(2003, 6, 11, 7, 30, 0)); // dc:date is "updated"
  EXPECT_EQ(e.summary_html, "Short <i>summary</i>");
  EXPECT_EQ(e.content_html, "<p>Full <a href=\"/rel\">text</a></p>");
  ASSERT_EQ(e.enclosures.size(), 2u); // media:content is not an enclosure
  EXPECT_EQ(e.enclosures[0], (Enclosure{"https://example.com/1.mp3", "audio/mpeg", 12345}));
  EXPECT_EQ(e.enclosures[1].length, std::nullopt);
  EXPECT_EQ(e.categories, std::vector<std::string>{"food"});
  EXPECT_EQ(e.comments, "https://example.com/1#comments");
}

TEST(ParseRss20, PermalinkGuidIsTheLinkWhenThereIsNone) {
  Feed f = parse_fixture("rss20_content_encoded_guid_enclosure.xml");
  const Entry& e = f.entries[1];
  EXPECT_EQ(e.id, "https://example.com/2");
  EXPECT_EQ(e.link, "https://example.com/2");
  EXPECT_EQ(e.author, "Ann Other");
  EXPECT_EQ(e.published, std::nullopt); // no usable date: the store uses first-seen time
}

TEST(ParseRss20, RelativeUrlsResolveAgainstTheDocumentUrl) {
  Feed f = parse_fixture("rss20_content_encoded_guid_enclosure.xml",
                         {.base_url = "https://example.com/feeds/main.xml", .content_type = ""});
  EXPECT_EQ(f.entries[0].content_html, "<p>Full <a href=\"https://example.com/rel\">text</a></p>");
}

TEST(ParseRss20, TextCdataAndMarkupInOneElementKeepTheirOrder) {
  // The tree stores an element's leading text apart from its other children
  // (pugi::parse_embed_pcdata); what follows must still come after it.
  Feed f = parse_ok("<rss version=\"2.0\"><channel><item><title>A &amp; <![CDATA[B]]> C</title>"
                    "<guid isPermaLink=\"false\">x<![CDATA[y]]>z</guid>"
                    "<description>one <![CDATA[<b>two</b>]]> three</description>"
                    "</item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].title, "A & B C");
  EXPECT_EQ(f.entries[0].id, "xyz");
  EXPECT_EQ(f.entries[0].summary_html, "one <b>two</b> three");
}

TEST(ParseAtom10, LinkAttributesQualifiedWithTheAtomNamespaceAreRead) {
  // rome/atom_1.0_prefix.xml: atom:rel / atom:href, read as rel / href, and so is an
  // attribute in an unknown namespace (both as feedparser reads them).
  Feed f =
      parse_ok("<atom:feed xmlns:atom=\"http://www.w3.org/2005/Atom\"><atom:id>1</atom:id>"
               "<atom:link atom:rel=\"other\" atom:href=\"http://foo.example/2\"/>"
               "<atom:entry><atom:id>e</atom:id><atom:link atom:href=\"http://foo.example/e\"/>"
               "<atom:link foo:href=\"http://foo.example/f\" xmlns:foo=\"urn:x\"/>"
               "<atom:link dc:href=\"http://foo.example/no\" "
               "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"/>"
               "</atom:entry></atom:feed>");
  EXPECT_EQ(f.link, "1"); // the id, as no alternate link exists; rel="other" is not one
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].link, std::nullopt); // the last one, dc:href, is no href: empty
}

TEST(ParseAtom10, XhtmlContentKeepsLeadingAndTrailingText) {
  Feed f = parse_ok("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>1</id>"
                    "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">"
                    "Hello <b>bold</b> and <i>it</i> bye</div></content></entry></feed>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].content_html, "Hello <b>bold</b> and <i>it</i> bye");
}

TEST(ParseRss09x, Rss091IsRecognised) {
  Feed f = parse_fixture("rss091_netscape.xml");
  EXPECT_EQ(f.format, Format::rss09x);
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary_html, "Plain words");
}

TEST(ParseRss10, RdfItemsDublinCoreAndSyndicationInterval) {
  Feed f = parse_fixture("rss10_rdf_dc_syndication.xml");
  EXPECT_EQ(f.format, Format::rss10);
  EXPECT_EQ(f.title, "RDF Site");
  EXPECT_EQ(f.ttl, minutes(30)); // hourly, twice
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].id, "http://example.net/a"); // rdf:about
  EXPECT_EQ(f.entries[0].updated, utc(2004, 2, 3, 4, 5, 6));
  EXPECT_EQ(f.entries[0].author, "Rdf Writer");
  EXPECT_EQ(f.entries[0].content_html, "<p>body</p>");
}

TEST(ParseAtom10, NestedXmlBaseResolvesLinksAndContentUrls) {
  Feed f = parse_fixture("atom10_nested_xml_base.xml");
  EXPECT_EQ(f.format, Format::atom10);
  EXPECT_EQ(f.title, "Tom & Jerry");
  EXPECT_EQ(f.link, "http://example.com/blog/");
  ASSERT_EQ(f.entries.size(), 2u);
  const Entry& e = f.entries[0];
  EXPECT_EQ(e.title, "A <tag> in text");
  EXPECT_EQ(e.link, "http://example.com/blog/2024/post.html");
  ASSERT_EQ(e.enclosures.size(), 1u);
  EXPECT_EQ(e.enclosures[0].url, "http://example.com/blog/audio/a.mp3");
  EXPECT_EQ(e.published, utc(2024, 3, 1, 11, 0, 0));
  EXPECT_EQ(e.updated, utc(2024, 3, 2, 12, 0, 0)); // fractional seconds truncated
  EXPECT_EQ(e.author, "Ada");
  EXPECT_EQ(e.summary_html, "1 &lt; 2"); // type="text" is escaped
  EXPECT_EQ(e.content_html,
            "<p>Look: <img src=\"http://example.com/blog/2024/img/cat.png\" /></p>");
}

TEST(ParseAtom10, OutOfLineContentIsNull) {
  Feed f = parse_fixture("atom10_nested_xml_base.xml");
  EXPECT_EQ(f.entries[1].content_html, std::nullopt);
}

TEST(ParseAtom03, EscapedAndBase64ModesAndIssuedModified) {
  Feed f = parse_fixture("atom03_modes_escaped_base64.xml");
  EXPECT_EQ(f.format, Format::atom03);
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].content_html, "<b>bold</b>");
  EXPECT_EQ(f.entries[0].published, utc(2003, 12, 13, 12, 29, 29));
  EXPECT_EQ(f.entries[0].updated, utc(2003, 12, 13, 18, 30, 2));
  EXPECT_EQ(f.entries[1].content_html, "<i>italic</i>");
}

TEST(ParseJsonFeed, Version11WithAuthorsAttachmentsAndText) {
  Feed f = parse_fixture("jsonfeed11_authors_attachments.json");
  EXPECT_EQ(f.format, Format::json);
  EXPECT_EQ(f.title, "JSON Things");
  EXPECT_EQ(f.link, "https://example.org/");
  ASSERT_EQ(f.entries.size(), 2u);
  const Entry& a = f.entries[0];
  EXPECT_EQ(a.id, "1");
  EXPECT_EQ(a.content_html, "<p>Hi</p>");
  EXPECT_EQ(a.summary_html, "a &lt; b");
  EXPECT_EQ(a.published, utc(2020, 1, 2, 8, 4, 5));
  EXPECT_EQ(a.author, "Jay");
  ASSERT_EQ(a.enclosures.size(), 1u);
  EXPECT_EQ(a.enclosures[0], (Enclosure{"https://example.org/1.mp3", "audio/mpeg", 42}));
  const Entry& b = f.entries[1];
  EXPECT_EQ(b.id, "2"); // a numeric id is kept as its text
  EXPECT_EQ(b.content_html, "plain &amp; simple");
  EXPECT_EQ(b.author, "https://example.org/me");
}

TEST(ParseJsonFeed, JsonThatIsNotAFeedIsNotAFeed) {
  ParseResult r = parse(R"({"hello": "world"})");
  EXPECT_TRUE(std::holds_alternative<ParseError>(r));
}

TEST(ParseSecurity, AnUnsafeXmlBaseIsNotApplied) {
  Feed f = parse_ok(
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://e.com/blog/\">"
      "<entry xml:base=\"javascript:alert(1)//\"><title>t</title><link href=\"post\"/>"
      "<content type=\"html\">&lt;a href=\"x\"&gt;x&lt;/a&gt;&lt;img src=\"i.png\"&gt;</content>"
      "</entry><entry xml:base=\"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;//\">"
      "<title>u</title><link href=\"other\"/></entry></feed>");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].link, "https://e.com/blog/post");
  EXPECT_EQ(f.entries[0].content_html,
            "<a href=\"https://e.com/blog/x\">x</a><img src=\"https://e.com/blog/i.png\" />");
  EXPECT_EQ(f.entries[1].link, "https://e.com/blog/other");
}

TEST(ParseSecurity, UnsafeXmlBaseWithoutADocumentBaseLeavesLinksRelative) {
  Feed f = parse_ok("<rss version=\"2.0\"><channel><item xml:base=\" JavaScript:alert(1)//\">"
                    "<title>t</title><description>&lt;a href=\"x\"&gt;x&lt;/a&gt;</description>"
                    "</item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 1u);
  EXPECT_EQ(f.entries[0].summary_html, "<a href=\"x\">x</a>");
}

TEST(ParseSecurity, EntryTitlesAreCappedAtACharacterBoundary) {
  const std::string long_ascii(10000, 'a');
  std::string euros;
  for (int i = 0; i < 2000; ++i) {
    euros += "\xE2\x82\xAC"; // 3 bytes each: 4096 falls inside a character
  }
  Feed f = parse_ok("<rss version=\"2.0\"><channel><title>" + long_ascii + "</title><item><title>" +
                    long_ascii + "</title></item><item><title>" + euros +
                    "</title></item></channel></rss>");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].title, std::string(4096, 'a'));
  EXPECT_EQ(f.entries[1].title, euros.substr(0, 4095));
  Feed j = parse_ok(
      R"({"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1", "title": ")" +
      long_ascii + R"("}]})");
  ASSERT_EQ(j.entries.size(), 1u);
  EXPECT_EQ(j.entries[0].title->size(), 4096u);
}

TEST(ParseAtom10, FeedAuthorIsTheAuthorOfEntriesWithoutOne) {
  // RFC 4287 §4.2.1. `author` stays what the entry says (feedparser's reading); the
  // inherited one is kept apart for the mail sender.
  Feed f = parse_ok("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Blog</title>"
                    "<entry><title>a</title><author><name>Own</name></author></entry>"
                    "<entry><title>b</title></entry>"
                    "<author><name>Ann Author</name><email>ann@e.com</email></author></feed>");
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].author, "Own");
  EXPECT_EQ(f.entries[0].feed_author, std::nullopt);
  EXPECT_EQ(f.entries[1].author, std::nullopt);
  EXPECT_EQ(f.entries[1].feed_author, "Ann Author");
  // RSS has no such rule: a channel's managingEditor is not an item's author.
  Feed r = parse_ok("<rss version=\"2.0\"><channel><managingEditor>ed@e.com (Ed)</managingEditor>"
                    "<item><title>x</title></item></channel></rss>");
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].feed_author, std::nullopt);
}

TEST(ParseJsonFeed, AFeedWithoutAnItemsArrayHasNoEntries) {
  for (const char* doc : {R"({"version": "https://jsonfeed.org/version/1.1", "title": "t"})",
                          R"({"version": "https://jsonfeed.org/version/1", "items": "x"})"}) {
    Feed f = parse_ok(doc);
    EXPECT_EQ(f.format, Format::json) << doc;
    EXPECT_TRUE(f.entries.empty()) << doc;
  }
}

TEST(ParseJsonFeed, InvalidJsonIsNotAJsonFeed) {
  for (const char* doc : {R"({"version": "1", "items": [}, )", R"({"version": "1", "items": []} x)",
                          "{\"version\": \"1\", \"title\": \"a\tb\", \"items\": []}"}) {
    ParseResult r = parse(doc);
    auto* feed = std::get_if<Feed>(&r);
    EXPECT_TRUE(feed == nullptr || feed->format != Format::json) << doc;
  }
}

TEST(ParseDetection, FormatComesFromContentNotDeclaredType) {
  Feed f = parse_ok("<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title></feed>",
                    {.base_url = "", .content_type = "application/rss+xml"});
  EXPECT_EQ(f.format, Format::atom10);
}

TEST(ParseDetection, HtmlPageIsNotAFeed) {
  ParseResult r = parse(testing::read_fixture("html_page_not_a_feed.html"));
  auto* feed = std::get_if<Feed>(&r);
  EXPECT_TRUE(feed == nullptr || (feed->format == Format::unknown && feed->entries.empty()));
}

TEST(ParseDetection, EmptyAndBinaryInputAreErrorsNotCrashes) {
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse("")));
  EXPECT_TRUE(std::holds_alternative<ParseError>(parse("   \n")));
  std::string binary("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  ParseResult r = parse(binary);
  auto* feed = std::get_if<Feed>(&r);
  EXPECT_TRUE(feed == nullptr || feed->format == Format::unknown);
}

TEST(ParseFormatName, NamesMatchTheFeedJsonSchema) {
  EXPECT_STREQ(format_name(Format::rss09x), "rss09x");
  EXPECT_STREQ(format_name(Format::rss10), "rss10");
  EXPECT_STREQ(format_name(Format::rss20), "rss20");
  EXPECT_STREQ(format_name(Format::atom03), "atom03");
  EXPECT_STREQ(format_name(Format::atom10), "atom10");
  EXPECT_STREQ(format_name(Format::json), "json");
  EXPECT_STREQ(format_name(Format::unknown), "null");
}

} // namespace
} // namespace feedpop::feeds
