// MAIL FROM / RCPT TO paths and the control addresses (smtp/address.hpp).
#include <gtest/gtest.h>

#include "smtp/address.hpp"

namespace feedpop::smtp {
namespace {

TEST(Address, PathWithParameters) {
  const auto p = parse_path("FROM:<alice@example.org> SIZE=1200 body=8BITMIME SMTPUTF8", "FROM");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->address, "alice@example.org");
  ASSERT_EQ(p->params.size(), 3u);
  EXPECT_EQ(p->params[0], (std::pair<std::string, std::string>{"SIZE", "1200"}));
  EXPECT_EQ(p->params[1], (std::pair<std::string, std::string>{"BODY", "8BITMIME"}));
  EXPECT_EQ(p->params[2], (std::pair<std::string, std::string>{"SMTPUTF8", ""}));
  EXPECT_FALSE(p->non_ascii);
}

TEST(Address, LenientWhereClientsDiffer) {
  EXPECT_EQ(parse_path("from: <a@b>", "FROM")->address, "a@b");
  EXPECT_EQ(parse_path("TO:<@relay.example,@r2.example:feedpop@host>", "TO")->address,
            "feedpop@host");
  EXPECT_EQ(parse_path("FROM:<>", "FROM")->address, "");
  EXPECT_EQ(parse_path("TO:<\"a>b\"@host>", "TO")->address, "\"a>b\"@host");
}

TEST(Address, MalformedPathsAreRefused) {
  for (const char* bad :
       {"FROM:a@b", "FROM:<a@b", "FROM <a@b>", "TO:<a@b>", "FROM:<a b@c>", "FROM:<a@b>x",
        "FROM:<@a>", "FROM:<a@>", "FROM:<@b>", "FROM:<a\x01@b>", "FROM:<a@b> X=\x7f", ""}) {
    EXPECT_FALSE(parse_path(bad, "FROM")) << bad;
  }
}

TEST(Address, NonAsciiIsFlagged) {
  const auto p = parse_path("TO:<j\xc3\xb6rg@example.org>", "TO");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->non_ascii);
}

TEST(Address, ControlAddressesIgnoreCase) {
  EXPECT_TRUE(is_control_address("feedpop@test.example", "test.example"));
  EXPECT_TRUE(is_control_address("FeedPop@TEST.Example.", "test.example"));
  EXPECT_TRUE(is_control_address("subscribe@test.example", "test.example"));
  EXPECT_TRUE(is_control_address("UNSUBSCRIBE@test.example", "test.example."));
  EXPECT_TRUE(is_control_address("\"feedpop\"@test.example", "test.example"));
  EXPECT_FALSE(is_control_address("feedpop@other.example", "test.example"));
  EXPECT_FALSE(is_control_address("alice@test.example", "test.example"));
  EXPECT_FALSE(is_control_address("feedpop@test.example.evil", "test.example"));
  EXPECT_FALSE(is_control_address("feedpop", "test.example"));
  EXPECT_FALSE(is_control_address("feedpop+x@test.example", "test.example"));
}

} // namespace
} // namespace feedpop::smtp
