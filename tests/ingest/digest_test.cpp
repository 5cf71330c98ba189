#include "ingest/digest.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <thread>

#include "ingest/digest_scheduler.hpp"
#include "ingest/fetcher.hpp"
#include "mail/digest.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::ingest {
namespace {

using namespace std::chrono;
using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;
using storage::Time;

Time utc(int y, unsigned m, unsigned d, int h, int min = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min};
}

DigestSchedule schedule(hours every, minutes at, const std::string& tz) {
  return {duration_cast<seconds>(every), duration_cast<seconds>(at), tz};
}

TEST(DigestPeriod, DailyAtSevenInBerlinFollowsSummerAndWinterTime) {
  const auto s = schedule(hours{24}, hours{7}, "Europe/Berlin");
  // Winter (UTC+1): 07:00 local is 06:00 UTC.
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 6, 30)), utc(2026, 12, 7, 6));
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 5, 59)), utc(2026, 12, 6, 6));
  // Summer (UTC+2): 05:00 UTC.
  EXPECT_EQ(period_end(s, utc(2026, 7, 1, 12)), utc(2026, 7, 1, 5));
  EXPECT_EQ(local_date(s, utc(2026, 12, 7, 6)), "2026-12-07");
  EXPECT_EQ(local_date(s, utc(2026, 12, 6, 23, 30)), "2026-12-07") << "Berlin is past midnight";
}

TEST(DigestPeriod, UtcIsTheDefaultAndMidnightTheDefaultTime) {
  const DigestSchedule s;
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 13, 5)), utc(2026, 12, 7, 0));
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 0)), utc(2026, 12, 7, 0)) << "a boundary is its own end";
}

TEST(DigestPeriod, HourlyPeriodsStartAtTheDailyTime) {
  const auto s = schedule(hours{6}, hours{1}, "UTC");
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 0, 30)), utc(2026, 12, 6, 19));
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 1, 0)), utc(2026, 12, 7, 1));
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 12, 59)), utc(2026, 12, 7, 7));
  EXPECT_EQ(period_end(s, utc(2026, 12, 7, 23, 59)), utc(2026, 12, 7, 19));
}

TEST(DigestPeriod, EveryTwoDaysEndsOnEverySecondDay) {
  const auto s = schedule(hours{48}, hours{0}, "UTC");
  const Time a = period_end(s, utc(2026, 12, 7, 12));
  const Time b = period_end(s, utc(2026, 12, 8, 12));
  EXPECT_EQ(a, b);
  EXPECT_EQ(period_end(s, a + hours{48}), a + hours{48});
  EXPECT_EQ((a - utc(2026, 12, 6, 0)) % hours{24}, seconds{0});
}

TEST(DigestPeriod, ALocalTimeSkippedByDaylightSavingMapsToTheChange) {
  // 2026-03-29 02:00 → 03:00 in Berlin: 02:30 does not exist; the change is 01:00 UTC.
  const auto s = schedule(hours{24}, minutes{150}, "Europe/Berlin");
  EXPECT_EQ(period_end(s, utc(2026, 3, 29, 12)), utc(2026, 3, 29, 1));
}

TEST(DigestPeriod, UnknownTimeZonesAreReported) {
  EXPECT_FALSE(time_zone_error("Europe/Berlin"));
  EXPECT_FALSE(time_zone_error("UTC"));
  const auto e = time_zone_error("Mars/Olympus_Mons");
  ASSERT_TRUE(e);
  EXPECT_NE(e->find("Mars/Olympus_Mons"), std::string::npos);
}

std::string rss(int first, int count) {
  std::string out = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Test feed"
                    "</title><link>http://example.org/</link>\n";
  for (int i = first; i < first + count; ++i) {
    out += fmt::format("<item><guid isPermaLink=\"false\">g{0}</guid><title>Story number {0}"
                       "</title><link>http://example.org/{0}</link><description>&lt;p&gt;Text "
                       "{0}&lt;/p&gt;</description><author>a{0}@example.org (Writer {0})</author>"
                       "</item>\n",
                       i);
  }
  return out + "</channel></rss>\n";
}

class DigestBuildTest : public ::testing::Test {
protected:
  void SetUp() override {
    server = std::make_unique<HttpTestServer>(files.path);
    for (const std::string key : {"a", "b"}) {
      FeedOptions f;
      f.key = key;
      f.url = server->url("/files/" + key + ".xml");
      f.initial = std::nullopt;
      f.digest_items = true;
      config.feeds[key] = f;
    }
  }
  std::unique_ptr<storage::Store> open_store() {
    return storage::open_sqlite_store((data.path / "feedpop.db").string(), storage::Role::writer);
  }
  void fetch() { Fetcher(open_store(), config).poll_once(); }
  DigestBuild build(const DigestConfig& d, Time period) {
    return build_digest(*open_store(), d, period, "feedpop.test", part_size);
  }
  std::vector<std::string> mailbox(const std::vector<std::string>& keys) {
    auto store = open_store();
    std::vector<std::string> out;
    for (const auto& item : store->snapshot("alice", keys)) {
      out.push_back(storage::testing::read_whole(*store, item.id));
    }
    return out;
  }

  TempDir files{"feedpop-files"};
  TempDir data{"feedpop-data"};
  std::unique_ptr<HttpTestServer> server;
  Options config;
  std::size_t part_size = mail::default_digest_part_size;
  DigestConfig feed_digest{"a/.digest", "a", {"a"}, false, {}};
  Time later = floor<seconds>(system_clock::now()) + hours{1};
};

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

TEST_F(DigestBuildTest, NEntriesBecomeExactlyOneMessageWithEveryTitle) {
  write_file(files.path / "a.xml", rss(1, 12));
  fetch();
  const DigestBuild r = build(feed_digest, later);
  EXPECT_EQ(r.entries, 12u);
  EXPECT_EQ(r.messages, 1u);
  const auto box = mailbox({"a/.digest"});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_NE(box[0].find("Subject: a digest: 12 entries, "), std::string::npos);
  for (int i = 1; i <= 12; ++i) {
    // The title appears in the text part's contents and heading (quoted-printable keeps
    // plain ASCII words as they are).
    EXPECT_GE(count(box[0], fmt::format("Story number {}\r\n", i)), 2u) << i;
  }
  EXPECT_EQ(mailbox({"a"}).size(), 12u) << "single entries stay for users without a digest";
}

TEST_F(DigestBuildTest, RebuildingAPeriodOrBuildingAgainAddsNothing) {
  write_file(files.path / "a.xml", rss(1, 3));
  fetch();
  EXPECT_EQ(build(feed_digest, later).messages, 1u);
  EXPECT_EQ(build(feed_digest, later).messages, 0u);
  EXPECT_EQ(build(feed_digest, later + hours{24}).messages, 0u) << "an empty period sends nothing";
  EXPECT_EQ(mailbox({"a/.digest"}).size(), 1u);
  // New entries go into the next period's digest only.
  write_file(files.path / "a.xml", rss(1, 5));
  fetch();
  const auto r = build(feed_digest, later + hours{48});
  EXPECT_EQ(r.entries, 2u);
  const auto box = mailbox({"a/.digest"});
  ASSERT_EQ(box.size(), 2u);
  EXPECT_NE(box[1].find("Story number 4\r\n"), std::string::npos);
  EXPECT_EQ(box[1].find("Story number 1\r\n"), std::string::npos);
}

TEST_F(DigestBuildTest, EntriesArrivingAfterThePeriodEndWaitForTheNextPeriod) {
  write_file(files.path / "a.xml", rss(1, 3));
  fetch();
  EXPECT_EQ(build(feed_digest, later - hours{2}).messages, 0u);
  EXPECT_EQ(build(feed_digest, later).entries, 3u);
}

TEST_F(DigestBuildTest, AUserDigestCoversAllTheirFeedsInOneMessageGroupedByFeed) {
  write_file(files.path / "a.xml", rss(1, 2));
  write_file(files.path / "b.xml", rss(100, 2));
  fetch();
  const DigestConfig user{"alice/.digest", "alice", {"a", "b"}, true, {}};
  EXPECT_EQ(build(user, later).entries, 4u);
  const auto box = mailbox({user.key});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_NE(box[0].find("Subject: alice digest: 4 entries"), std::string::npos);
  // The text part's feed heading "=== Test feed ===", quoted-printable.
  EXPECT_EQ(count(box[0], "=3D=3D=3D Test feed =3D=3D=3D"), 2u);
  EXPECT_EQ(build(feed_digest, later).entries, 2u) << "each digest covers entries on its own";
}

TEST_F(DigestBuildTest, ALongDigestSplitsIntoPartsThatTogetherCoverEveryEntry) {
  write_file(files.path / "a.xml", rss(1, 40));
  fetch();
  part_size = 8000;
  const auto r = build(feed_digest, later);
  EXPECT_EQ(r.entries, 40u);
  EXPECT_GE(r.messages, 2u);
  const auto box = mailbox({"a/.digest"});
  ASSERT_EQ(box.size(), r.messages);
  std::string all;
  for (std::size_t i = 0; i < box.size(); ++i) {
    EXPECT_NE(box[i].find(fmt::format("({}/{})", i + 1, box.size())), std::string::npos);
    all += box[i];
  }
  for (int i = 1; i <= 40; ++i) {
    EXPECT_EQ(count(all, fmt::format(". Story number {}\r\n", i)), 2u) << i;
  }
  EXPECT_EQ(build(feed_digest, later).messages, 0u);
}

TEST_F(DigestBuildTest, FeedsWithoutADigestStoreNoDigestItems) {
  config.feeds["a"].digest_items = false;
  write_file(files.path / "a.xml", rss(1, 3));
  fetch();
  EXPECT_EQ(build(feed_digest, later).messages, 0u);
  EXPECT_EQ(mailbox({"a"}).size(), 3u);
}

std::size_t visible(storage::Store& store, const std::string& user,
                    const std::vector<std::string>& keys) {
  return store.snapshot(user, keys).size();
}

TEST_F(DigestBuildTest, CoveredEntriesAreMarkedDeletedForTheDigestsUsersOnly) {
  write_file(files.path / "a.xml", rss(1, 3));
  fetch();
  DigestConfig d = feed_digest;
  d.users = {"alice"};
  EXPECT_EQ(build(d, later).entries, 3u);
  // Should alice's digest be removed, what it covered does not come back as singles; what
  // arrives after it does.
  write_file(files.path / "a.xml", rss(1, 5));
  fetch();
  auto store = open_store();
  EXPECT_EQ(visible(*store, "alice", {"a"}), 2u);
  EXPECT_EQ(visible(*store, "carol", {"a"}), 5u) << "not reached by the digest";
}

TEST_F(DigestBuildTest, AUsersDigestLeavesOutWhatAFeedsDigestCoveredForThemBefore) {
  write_file(files.path / "a.xml", rss(1, 3));
  fetch();
  DigestConfig by_feed = feed_digest;
  by_feed.users = {"alice"};
  EXPECT_EQ(build(by_feed, later).entries, 3u);
  // alice switches to a digest of her own: it starts where the feed's digest stopped.
  write_file(files.path / "a.xml", rss(1, 5));
  fetch();
  DigestConfig mine{".digest/user/alice", "alice", {"a", "b"}, true, {}, {"alice"}};
  EXPECT_EQ(build(mine, later + hours{24}).entries, 2u);
  const auto box = mailbox({mine.key});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box[0].find("Story number 1\r\n"), std::string::npos);
  EXPECT_NE(box[0].find("Story number 5\r\n"), std::string::npos);
  // The entries left out count as covered: later periods do not read them again.
  EXPECT_TRUE(open_store()->pending_digest_items(mine.key, mine.feeds, later + hours{48}).empty());
}

TEST_F(DigestBuildTest, FailureAndRecoveryNoticesOfADigestedFeedAreCopiedToItsNoticeKey) {
  config.fetch.notify_after = seconds{0};
  config.feeds["a"].notice_key = ".digest/notices/a";
  fetch(); // a.xml does not exist: 404, and with notify_after 0 the notice is due at once
  auto store = open_store();
  ASSERT_EQ(visible(*store, "alice", {".digest/notices/a"}), 1u);
  EXPECT_EQ(visible(*store, "alice", {"a"}), 1u) << "the feed's subscribers get it as before";
  const auto failing = mailbox({".digest/notices/a"});
  EXPECT_NE(failing[0].find("is failing since"), std::string::npos);
  EXPECT_EQ(build(feed_digest, later).messages, 0u) << "a notice is no digest entry";
  fetch(); // still failing: no second notice
  write_file(files.path / "a.xml", rss(1, 2));
  fetch();
  const auto box = mailbox({".digest/notices/a"});
  ASSERT_EQ(box.size(), 2u);
  EXPECT_NE(box[1].find("works again"), std::string::npos);
  EXPECT_EQ(build(feed_digest, later).entries, 2u) << "the entries, without the notices";
  // b failed too, but no digest covers it: its notice is in the feed only.
  EXPECT_EQ(visible(*store, "alice", {"b"}), 1u);
  EXPECT_EQ(visible(*store, "alice", {".digest/notices/b"}), 0u);
}

TEST_F(DigestBuildTest, TheSchedulerAsksForItsDigestsEveryRound) {
  write_file(files.path / "a.xml", rss(1, 2));
  write_file(files.path / "b.xml", rss(100, 3));
  fetch();
  std::vector<std::string> feeds{"a"};
  const DigestSchedule hourly{hours{1}, seconds{0}, "UTC"};
  DigestScheduler scheduler([this] { return open_store(); }, "feedpop.test",
                            [this] { return later; });
  scheduler.apply([&feeds, &hourly](storage::Store&) {
    return std::vector<DigestConfig>{
        {".digest/user/alice", "alice", feeds, true, hourly, {"alice"}}};
  });
  ASSERT_EQ(scheduler.run_due().at(0).entries, 2u);
  // A feed added in the period: it waits for the next one, nothing lost, nothing twice.
  feeds.push_back("b");
  EXPECT_TRUE(scheduler.run_due().empty()) << "this period is built";
  DigestScheduler next([this] { return open_store(); }, "feedpop.test",
                       [this] { return later + hours{24}; });
  next.apply([&feeds, &hourly](storage::Store&) {
    return std::vector<DigestConfig>{
        {".digest/user/alice", "alice", feeds, true, hourly, {"alice"}}};
  });
  ASSERT_EQ(next.run_due().at(0).entries, 3u);
}

TEST_F(DigestBuildTest, TheSchedulerBuildsEachPeriodOnceAndAgainAfterARestartNothing) {
  write_file(files.path / "a.xml", rss(1, 4));
  fetch();
  Time now = later;
  const DigestConfig hourly{"a/.digest", "a", {"a"}, false, {hours{1}, seconds{0}, "UTC"}};
  {
    DigestScheduler scheduler([this] { return open_store(); }, "feedpop.test",
                              [&now] { return now; });
    scheduler.apply({hourly});
    const auto first = scheduler.run_due();
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].entries, 4u);
    EXPECT_TRUE(scheduler.run_due().empty()) << "same period";
    now += hours{1};
    EXPECT_TRUE(scheduler.run_due().empty()) << "a period without entries sends nothing";
  }
  DigestScheduler restarted([this] { return open_store(); }, "feedpop.test",
                            [&now] { return now; });
  restarted.apply({hourly});
  EXPECT_TRUE(restarted.run_due().empty());
  EXPECT_EQ(mailbox({"a/.digest"}).size(), 1u);
}

TEST_F(DigestBuildTest, TheSchedulerThreadBuildsDueDigestsAndStops) {
  write_file(files.path / "a.xml", rss(1, 2));
  fetch();
  DigestScheduler scheduler([this] { return open_store(); }, "feedpop.test",
                            [this] { return later + hours{1}; }, milliseconds{20});
  scheduler.start({{"a/.digest", "a", {"a"}, false, {hours{1}, seconds{0}, "UTC"}}});
  for (int i = 0; i < 250 && mailbox({"a/.digest"}).empty(); ++i) {
    std::this_thread::sleep_for(milliseconds{20});
  }
  scheduler.stop();
  EXPECT_EQ(mailbox({"a/.digest"}).size(), 1u);
}

} // namespace
} // namespace feedpop::ingest
