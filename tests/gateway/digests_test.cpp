#include "gateway/digests.hpp"

#include <gtest/gtest.h>

#include "gateway/ingest_options.hpp"
#include "gateway/mailbox_views.hpp"
#include "gateway/user_feeds.hpp"

namespace feedpop::gateway {
namespace {

using namespace std::chrono_literals;

Config sample() {
  return parse_config(R"(
users:
  alice: {password: pw}
  bob:
    password: pw
    feeds: [lwn, blog]
    digest: {every: 6h, at: "01:30", tz: America/New_York}
  carol: {password: pw, feeds: [blog]}
feeds:
  lwn:
    url: https://lwn.net/headlines/rss
    tags: [news]
    digest: {every: 1d, at: "07:00", tz: Europe/Berlin}
  hn: {url: https://hn.example/rss, tags: [news]}
  blog: {url: https://blog.example/feed}
)",
                      "feeds.yaml");
}

TEST(DigestConfig, FeedAndUserDigestsAreReadWithDefaults) {
  const Config c = sample();
  ASSERT_TRUE(c.feeds.at("lwn").digest);
  EXPECT_EQ(c.feeds.at("lwn").digest->every, 24h);
  EXPECT_EQ(c.feeds.at("lwn").digest->at, 7h);
  EXPECT_EQ(c.feeds.at("lwn").digest->tz, "Europe/Berlin");
  EXPECT_FALSE(c.feeds.at("hn").digest);
  ASSERT_TRUE(c.users.at("bob").digest);
  EXPECT_EQ(c.users.at("bob").digest->every, 6h);
  EXPECT_EQ(c.users.at("bob").digest->at, 1h + 30min);
  const Config d =
      parse_config("feeds:\n  a: {url: https://a.example/, digest: {every: 2d}}\n", "f.yaml");
  EXPECT_EQ(d.feeds.at("a").digest->tz, "UTC");
  EXPECT_EQ(d.feeds.at("a").digest->at, 0s);
}

TEST(DigestConfig, EveryDigestOfTheConfigurationBecomesAJobOverItsFeeds) {
  const auto jobs = digest_configs(sample());
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].key, ".digest/feed/lwn");
  EXPECT_EQ(jobs[0].name, "lwn");
  EXPECT_EQ(jobs[0].feeds, (std::vector<std::string>{"lwn"}));
  EXPECT_FALSE(jobs[0].per_user);
  EXPECT_EQ(jobs[1].key, ".digest/user/bob");
  EXPECT_EQ(jobs[1].feeds, (std::vector<std::string>{"lwn", "blog"}));
  EXPECT_TRUE(jobs[1].per_user);
  EXPECT_EQ(jobs[1].schedule.tz, "America/New_York");
}

TEST(DigestConfig, DigestedFeedsStoreDigestItemsOthersDoNot) {
  const auto o = ingest_options(sample());
  EXPECT_TRUE(o.feeds.at("lwn").digest_items);
  EXPECT_TRUE(o.feeds.at("blog").digest_items) << "bob's digest covers it";
  EXPECT_FALSE(o.feeds.at("hn").digest_items);
  EXPECT_EQ(o.digests.size(), 2u);
}

TEST(DigestMailbox, AFeedDigestReplacesTheFeedInItsSubscribersMailboxes) {
  const Config c = sample();
  EXPECT_EQ(resolve_mailbox(c, "alice")->feed_keys,
            (std::vector<std::string>{"blog", "hn", ".digest/feed/lwn", ".digest/notices/lwn"}));
  EXPECT_EQ(resolve_mailbox(c, "carol")->feed_keys, (std::vector<std::string>{"blog"}));
  EXPECT_EQ(resolve_mailbox(c, "alice+lwn")->feed_keys,
            (std::vector<std::string>{".digest/feed/lwn", ".digest/notices/lwn"}));
  EXPECT_EQ(resolve_mailbox(c, "alice+news")->feed_keys,
            (std::vector<std::string>{"hn", ".digest/feed/lwn", ".digest/notices/lwn"}));
}

TEST(DigestMailbox, AUserDigestReplacesAllTheirConfigurationFeeds) {
  const Config c = sample();
  EXPECT_EQ(resolve_mailbox(c, "bob")->feed_keys,
            (std::vector<std::string>{".digest/user/bob", ".digest/notices/lwn",
                                      ".digest/notices/blog"}));
  EXPECT_EQ(resolve_mailbox(c, "bob+blog")->feed_keys,
            (std::vector<std::string>{".digest/user/bob", ".digest/notices/blog"}));
  // Feeds bob added himself are in his digest too; feedpop's replies stay single messages,
  // and so do other users' feeds (never in bob's mailbox anyway).
  EXPECT_EQ(with_digests(c, "bob", {"lwn", "bob/mine", "bob/.feedpop", "bobby/x"}),
            (std::vector<std::string>{"bob/.feedpop", "bobby/x", ".digest/user/bob",
                                      ".digest/notices/lwn", ".digest/notices/bob/mine"}));
  // Applying it twice changes nothing (the store adapter adds the user's own feeds later).
  const auto once = with_digests(c, "bob", {"lwn", "blog"});
  EXPECT_EQ(with_digests(c, "bob", once), once);
}

std::vector<storage::UserFeed> own_feeds() {
  return {{"alice", "mine", "https://alice.example/feed", {}, false, {}},
          {"bob", "mine", "https://bob.example/feed", {}, false, {}},
          {"bob", "quiet", "https://bob.example/quiet", {}, true, {}}};
}

TEST(DigestUserFeeds, AUsersDigestCoversTheFeedsTheyAddedByMailPausedOnesToo) {
  const auto jobs = digest_configs(sample(), own_feeds());
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].key, ".digest/user/bob");
  EXPECT_EQ(jobs[1].feeds, (std::vector<std::string>{"lwn", "blog", "bob/mine", "bob/quiet"}));
  EXPECT_EQ(jobs[1].users, (std::vector<std::string>{"bob"}));
  // The feed digest reaches the subscribers without a digest of their own.
  EXPECT_EQ(jobs[0].users, (std::vector<std::string>{"alice"}));
}

TEST(DigestUserFeeds, TheFetcherStoresDigestItemsAndNoticeCopiesOfADigestedUsersOwnFeeds) {
  const auto o = ingest_options(sample(), own_feeds());
  EXPECT_TRUE(o.feeds.at("bob/mine").digest_items);
  EXPECT_EQ(o.feeds.at("bob/mine").notice_key, ".digest/notices/bob/mine");
  EXPECT_FALSE(o.feeds.at("alice/mine").digest_items) << "alice has no digest";
  EXPECT_TRUE(o.feeds.at("alice/mine").notice_key.empty());
  EXPECT_EQ(o.feeds.at("lwn").notice_key, ".digest/notices/lwn");
  EXPECT_TRUE(o.feeds.at("hn").notice_key.empty());
  EXPECT_EQ(o.feeds.count("bob/quiet"), 0u) << "paused: not polled";
  EXPECT_EQ(o.digests.at(1).feeds.size(), 4u);
}

TEST(DigestUserFeeds, TheFullMailboxShowsDigestsInsteadOfEveryDigestedFeed) {
  const Config c = sample();
  EXPECT_EQ(mailbox_keys(c, "bob", own_feeds()),
            (std::vector<std::string>{"bob/.feedpop", ".digest/user/bob", ".digest/notices/lwn",
                                      ".digest/notices/blog", ".digest/notices/bob/mine",
                                      ".digest/notices/bob/quiet"}));
  // alice: singles of her undigested feeds and of her own feed; digests built for her
  // before a users.alice.digest was removed stay listed.
  EXPECT_EQ(mailbox_keys(c, "alice", own_feeds()),
            (std::vector<std::string>{"blog", "hn", ".digest/feed/lwn", ".digest/notices/lwn",
                                      "alice/mine", "alice/.feedpop", ".digest/user/alice"}));
}

TEST(DigestMailbox, DigestKeysAreTheirOwnSource) {
  EXPECT_TRUE(is_digest_key(feed_digest_key("lwn")));
  EXPECT_TRUE(is_digest_key(user_digest_key("bob")));
  EXPECT_FALSE(is_digest_key("bob/lwn"));
  EXPECT_EQ(feed_source(feed_digest_key("lwn")), "digest");
  EXPECT_EQ(feed_source("bob/lwn"), "user");
}

} // namespace
} // namespace feedpop::gateway
