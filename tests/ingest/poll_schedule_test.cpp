#include "ingest/poll_schedule.hpp"

#include <gtest/gtest.h>

#include "feeds/schedule.hpp"
#include "ingest/poll_queue.hpp"
#include "tests/support/http_test_server.hpp"

namespace feedpop::ingest {
namespace {

using namespace std::chrono_literals;
using feedpop::testing::TempDir;
using storage::Time;

const Time t0{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}};

TEST(PollQueue, HandsOutFeedsEarliestFirstAndOnlyWhenDue) {
  PollQueue q;
  q.set("late", t0 + 20s);
  q.set("early", t0 + 10s);
  q.set("never", std::nullopt); // never polled: due at once
  EXPECT_EQ(q.next_due(), Time{});
  EXPECT_EQ(q.pop_due(t0), "never");
  EXPECT_EQ(q.pop_due(t0), std::nullopt);
  EXPECT_EQ(q.next_due(), t0 + 10s);
  q.set("early", t0 + 30s); // moved: no stale entry stays behind
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop_due(t0 + 25s), "late");
  q.erase("early");
  EXPECT_EQ(q.pop_due(t0 + 40s), std::nullopt);
  EXPECT_EQ(q.size(), 0u);
}

struct ScheduleTest : ::testing::Test {
  TempDir dir;
  std::unique_ptr<storage::Store> store =
      storage::open_sqlite_store((dir.path / "feedpop.db").string(), storage::Role::writer);
  Options cfg;

  void feed(const std::string& key, std::optional<Time> next_poll, bool disabled = false) {
    cfg.feeds[key] = FeedOptions{};
    cfg.feeds[key].key = key;
    cfg.feeds[key].url = "http://127.0.0.1:9/" + key;
    storage::FeedState s;
    s.key = key;
    s.config_url = s.url = cfg.feeds[key].url;
    s.next_poll = next_poll;
    s.disabled = disabled;
    store->save_feed_state(s);
  }
};

TEST_F(ScheduleTest, DueFeedsComeInOrderOfTheirNextPollAndDisabledOnesNever) {
  feed("a", t0 + 60s);
  feed("b", t0 - 60s);
  feed("c", std::nullopt);
  feed("gone", std::nullopt, true);
  cfg.feeds["new"].key = "new";
  cfg.feeds["new"].url = "http://127.0.0.1:9/new"; // not in the store yet
  Schedule s(*store, cfg, store->feed_states());
  std::vector<std::string> got;
  while (auto job = s.next(t0)) {
    got.push_back(job->key);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"c", "new", "b"}));
  EXPECT_GE(s.wait(), 10ms); // "a" is due in the future: no busy loop
  auto job = s.next(t0 + 60s);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->key, "a");
}

TEST_F(ScheduleTest, APolledFeedComesBackAtTheNextPollItsResultSaved) {
  feed("a", std::nullopt);
  Schedule s(*store, cfg, store->feed_states());
  auto job = s.next(t0);
  ASSERT_TRUE(job);
  FeedPollResult r;
  r.key = "a";
  r.ok = true;
  r.status = "not_modified";
  r.next_poll = t0 + 1800s;
  storage::FeedState saved = job->state;
  saved.next_poll = r.next_poll;
  store->save_feed_state(saved);
  s.done(r, t0);
  EXPECT_FALSE(s.next(t0 + 1799s));
  job = s.next(t0 + 1800s);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->key, "a");
}

TEST_F(ScheduleTest, AFeedWhoseStoredStateSaysLaterIsRequeuedNotPolled) {
  feed("a", std::nullopt);
  Schedule s(*store, cfg, store->feed_states());
  feed("a", t0 + 300s); // polled meanwhile (by another writer)
  EXPECT_FALSE(s.next(t0));
  auto job = s.next(t0 + 300s);
  ASSERT_TRUE(job);
  EXPECT_EQ(job->key, "a");
}

TEST_F(ScheduleTest, AGoneFeedIsNotScheduledAgain) {
  feed("a", std::nullopt);
  Schedule s(*store, cfg, store->feed_states());
  ASSERT_TRUE(s.next(t0));
  FeedPollResult r;
  r.key = "a";
  r.status = "gone";
  r.next_poll = t0 + 60s;
  s.done(r, t0);
  EXPECT_FALSE(s.next(t0 + 3600s));
}

TEST(OnPhase, PollsOnSchedulePlaceEachFeedOnItsOwnPhaseOfTheInterval) {
  const auto hour = std::chrono::seconds(3600);
  // Never before `earliest`, at most one period after it, and on the seed's phase.
  for (std::uint64_t seed : {0ULL, 1ULL, 1799ULL, 3599ULL, 123456789ULL}) {
    const Time t = on_phase(t0 + 17s, hour, seed);
    EXPECT_GE(t, t0 + 17s);
    EXPECT_LT(t, t0 + 17s + hour);
    EXPECT_EQ(t.time_since_epoch().count() % 3600, static_cast<std::int64_t>(seed % 3600));
    EXPECT_EQ(on_phase(t + hour, hour, seed), t + hour); // on schedule: stays on its phase
  }
  // Feeds first polled all at once come back spread over the interval.
  std::vector<int> per_quarter(4);
  for (int i = 0; i < 4000; ++i) {
    const std::string key = std::to_string(i);
    const Time t = on_phase(t0 + hour, hour, feeds::stable_hash(key));
    ++per_quarter[static_cast<std::size_t>((t - (t0 + hour)) / (hour / 4))];
  }
  for (int n : per_quarter) {
    EXPECT_GT(n, 800);
    EXPECT_LT(n, 1200);
  }
}

} // namespace
} // namespace feedpop::ingest
