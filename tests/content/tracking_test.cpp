#include "content/tracking.hpp"

#include <gtest/gtest.h>

namespace feedpop::content {
namespace {

TEST(Tracking, KnownParametersAreTrackingOnes) {
  for (const char* name :
       {"utm_source", "UTM_Medium", "utm_whatever", "fbclid", "gclid", "dclid", "msclkid", "mc_eid",
        "mc_cid", "igshid", "yclid", "_hsenc", "_hsmi", "mkt_tok", "ref_src"}) {
    EXPECT_TRUE(is_tracking_parameter(name)) << name;
  }
  for (const char* name : {"id", "page", "utm", "q", "ref", "source"}) {
    EXPECT_FALSE(is_tracking_parameter(name)) << name;
  }
}

TEST(Tracking, StripKeepsOtherParametersInOrderAndTheFragment) {
  EXPECT_EQ(strip_tracking("https://a.example/p?utm_source=rss&id=3&fbclid=x&page=2#top"),
            "https://a.example/p?id=3&page=2#top");
  EXPECT_EQ(strip_tracking("https://a.example/p?utm_source=rss&utm_medium=feed"),
            "https://a.example/p");
  EXPECT_EQ(strip_tracking("https://a.example/p?gclid=1#frag"), "https://a.example/p#frag");
}

TEST(Tracking, UrlsWithoutTrackersOrUnparsableComeBackUnchanged) {
  EXPECT_EQ(strip_tracking("HTTPS://A.example?id=1"), "HTTPS://A.example?id=1");
  EXPECT_EQ(strip_tracking("https://a.example"), "https://a.example");
  EXPECT_EQ(strip_tracking("not a url?utm_source=x"), "not a url?utm_source=x");
  EXPECT_EQ(strip_tracking(""), "");
}

TEST(Tracking, LinksOfHtmlAreStrippedAndStayEscaped) {
  const std::string html =
      "<p><a href=\"https://a.example/x?utm_source=rss&amp;id=1&amp;fbclid=2\">utm_source=t</a>"
      "<img src=\"https://a.example/i.png?mc_cid=9\" alt=\"a\" /> "
      "<a href=\"https://b.example/?q=1&amp;r=2\">b</a></p>";
  EXPECT_EQ(strip_tracking_links(html), "<p><a href=\"https://a.example/x?id=1\">utm_source=t</a>"
                                        "<img src=\"https://a.example/i.png\" alt=\"a\" /> "
                                        "<a href=\"https://b.example/?q=1&amp;r=2\">b</a></p>");
  EXPECT_EQ(strip_tracking_links("<a href=\"unterminated"), "<a href=\"unterminated");
}

} // namespace
} // namespace feedpop::content
