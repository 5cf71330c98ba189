#include <gtest/gtest.h>

#include "gateway/mailbox_views.hpp"

namespace feedpop::gateway {
namespace {

Config sample_config() {
  Config c;
  FeedConfig lwn;
  lwn.key = "lwn";
  lwn.tags = {"linux", "news"};
  FeedConfig hn;
  hn.key = "hn";
  hn.tags = {"news"};
  FeedConfig blog;
  blog.key = "blog";
  c.feeds = {{"lwn", lwn}, {"hn", hn}, {"blog", blog}};
  UserConfig alice;
  alice.name = "alice";
  alice.password = "pw";
  UserConfig bob;
  bob.name = "bob";
  bob.all_feeds = false;
  bob.feeds = {"blog", "hn"};
  UserConfig plus;
  plus.name = "carol+work";
  plus.password = "x";
  c.users = {{"alice", alice}, {"bob", bob}, {"carol+work", plus}};
  return c;
}

TEST(MailboxViews, PlainLoginShowsEverySubscribedFeed) {
  const auto c = sample_config();
  const auto a = resolve_mailbox(c, "alice");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->user, "alice");
  EXPECT_EQ(a->view, "");
  EXPECT_EQ(a->feed_keys, (std::vector<std::string>{"blog", "hn", "lwn"}));
  const auto b = resolve_mailbox(c, "bob");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->feed_keys, (std::vector<std::string>{"blog", "hn"}));
}

TEST(MailboxViews, FeedKeyViewShowsOnlyThatFeed) {
  const auto v = resolve_mailbox(sample_config(), "alice+lwn");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->user, "alice");
  EXPECT_EQ(v->view, "lwn");
  EXPECT_EQ(v->feed_keys, std::vector<std::string>{"lwn"});
}

TEST(MailboxViews, TagViewShowsTheSubscribedFeedsWithThatTag) {
  const auto c = sample_config();
  const auto a = resolve_mailbox(c, "alice+news");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->feed_keys, (std::vector<std::string>{"hn", "lwn"}));
  // bob does not read lwn: his "news" view holds hn only, and "linux" selects nothing.
  const auto b = resolve_mailbox(c, "bob+news");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->feed_keys, std::vector<std::string>{"hn"});
  EXPECT_FALSE(resolve_mailbox(c, "bob+linux"));
  EXPECT_FALSE(resolve_mailbox(c, "bob+lwn"));
}

TEST(MailboxViews, UnknownUsersViewsAndEmptyPartsAreUnknownLogins) {
  const auto c = sample_config();
  EXPECT_FALSE(resolve_mailbox(c, "mallory"));
  EXPECT_FALSE(resolve_mailbox(c, "mallory+lwn"));
  EXPECT_FALSE(resolve_mailbox(c, "alice+nope"));
  EXPECT_FALSE(resolve_mailbox(c, "alice+"));
  EXPECT_FALSE(resolve_mailbox(c, "+lwn"));
  EXPECT_FALSE(resolve_mailbox(c, ""));
}

TEST(MailboxViews, AUserWhoseNameContainsTheSeparatorWins) {
  const auto v = resolve_mailbox(sample_config(), "carol+work");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->user, "carol+work");
  EXPECT_EQ(v->view, "");
}

TEST(MailboxViews, TheSeparatorIsConfigurableAndCanBeDisabled) {
  auto c = sample_config();
  c.pop3.view_separator = "--";
  EXPECT_FALSE(resolve_mailbox(c, "alice+lwn"));
  const auto v = resolve_mailbox(c, "alice--lwn");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->feed_keys, std::vector<std::string>{"lwn"});
  c.pop3.view_separator = "";
  EXPECT_FALSE(resolve_mailbox(c, "alice--lwn"));
  EXPECT_TRUE(resolve_mailbox(c, "alice"));
}

} // namespace
} // namespace feedpop::gateway
