#include "feeds/url.hpp"

#include <gtest/gtest.h>

namespace feedpop::feeds::url {
namespace {

// RFC 3986 §5.4.1 normal examples and §5.4.2 abnormal ones.
TEST(UrlResolve, Rfc3986NormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(resolve(base, "g:h"), "g:h");
  EXPECT_EQ(resolve(base, "g"), "http://a/b/c/g");
  EXPECT_EQ(resolve(base, "./g"), "http://a/b/c/g");
  EXPECT_EQ(resolve(base, "g/"), "http://a/b/c/g/");
  EXPECT_EQ(resolve(base, "/g"), "http://a/g");
  EXPECT_EQ(resolve(base, "//g"), "http://g");
  EXPECT_EQ(resolve(base, "?y"), "http://a/b/c/d;p?y");
  EXPECT_EQ(resolve(base, "g?y"), "http://a/b/c/g?y");
  EXPECT_EQ(resolve(base, "#s"), "http://a/b/c/d;p?q#s");
  EXPECT_EQ(resolve(base, ""), "http://a/b/c/d;p?q");
  EXPECT_EQ(resolve(base, "."), "http://a/b/c/");
  EXPECT_EQ(resolve(base, ".."), "http://a/b/");
  EXPECT_EQ(resolve(base, "../g"), "http://a/b/g");
  EXPECT_EQ(resolve(base, "../../g"), "http://a/g");
}

TEST(UrlResolve, Rfc3986AbnormalExamples) {
  const char* base = "http://a/b/c/d;p?q";
  EXPECT_EQ(resolve(base, "../../../g"), "http://a/g");
  EXPECT_EQ(resolve(base, "/./g"), "http://a/g");
  EXPECT_EQ(resolve(base, "g.."), "http://a/b/c/g..");
  EXPECT_EQ(resolve(base, "./g/."), "http://a/b/c/g/");
  EXPECT_EQ(resolve(base, "g;x=1/../y"), "http://a/b/c/y");
}

TEST(UrlResolve, NoBaseLeavesReferenceAloneAndRelativeBasesMerge) {
  EXPECT_EQ(resolve("", " /x "), "/x");
  EXPECT_EQ(resolve("relative/base", "x"), "relative/x");
  EXPECT_EQ(resolve("/a/b", "c"), "/a/c");
}

TEST(UrlResolve, HostOnlyBase) {
  EXPECT_EQ(resolve("http://example.com", "x"), "http://example.com/x");
}

} // namespace
} // namespace feedpop::feeds::url
