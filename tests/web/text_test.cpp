#include "web/text.hpp"

#include <gtest/gtest.h>

namespace feedpop::web {
namespace {

TEST(WebText, EscapeHtmlCoversTheFiveSpecialCharacters) {
  EXPECT_EQ(escape_html("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  EXPECT_EQ(escape_html("plain"), "plain");
}

TEST(WebText, FormBodiesDecodePlusAndPercent) {
  const auto f = parse_form("user=al+ice&password=p%26ss%3D1&empty=&flag&&bad=%zz%4");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(field(f, "user"), "al ice");
  EXPECT_EQ(field(f, "password"), "p&ss=1");
  EXPECT_EQ(field(f, "empty"), "");
  EXPECT_EQ(field(f, "flag"), "");
  EXPECT_EQ(field(f, "bad"), "%zz%4");
  EXPECT_EQ(field(f, "missing"), std::nullopt);
}

TEST(WebText, PercentEncodeRoundTrips) {
  const std::string s = "a b/c?d=é&";
  EXPECT_EQ(percent_decode(percent_encode(s), false), s);
  EXPECT_EQ(percent_encode("a b"), "a%20b");
}

TEST(WebText, CookieHeaderFindsTheNamedCookie) {
  EXPECT_EQ(cookie("a=1; feedpop_session=abc ;b=2", "feedpop_session"), "abc");
  EXPECT_EQ(cookie("feedpop_session=\"q\"", "feedpop_session"), "q");
  EXPECT_EQ(cookie("xfeedpop_session=1", "feedpop_session"), std::nullopt);
  EXPECT_EQ(cookie(";;;=;", "feedpop_session"), std::nullopt);
}

TEST(WebText, TimesAreUtcMinutes) {
  EXPECT_EQ(format_time(std::chrono::sys_seconds(std::chrono::seconds(0))), "1970-01-01 00:00 UTC");
}

} // namespace
} // namespace feedpop::web
