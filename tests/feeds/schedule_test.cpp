#include "feeds/schedule.hpp"

#include <gtest/gtest.h>

namespace feedpop::feeds {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Schedule, ASuccessfulPollWaitsTheInterval) {
  ScheduleInputs in;
  in.interval = minutes(30);
  EXPECT_EQ(base_delay(in), minutes(30));
}

TEST(Schedule, TheFeedsOwnTtlRaisesTheIntervalButNeverLowersIt) {
  ScheduleInputs in;
  in.interval = minutes(30);
  in.feed_ttl = hours(2);
  EXPECT_EQ(base_delay(in), hours(2));
  in.feed_ttl = minutes(5);
  EXPECT_EQ(base_delay(in), minutes(30));
}

TEST(Schedule, MaxAgeAndRetryAfterRaiseTheDelayUpToTheCap) {
  ScheduleInputs in;
  in.interval = minutes(30);
  in.max_age = hours(3);
  EXPECT_EQ(base_delay(in), hours(3));
  in.retry_after = hours(5);
  EXPECT_EQ(base_delay(in), hours(5));
  in.max_age = hours(24 * 365);
  EXPECT_EQ(base_delay(in), hours(24));
}

TEST(Schedule, FailuresBackOffExponentiallyFromTheIntervalUpToTheCap) {
  ScheduleInputs in;
  in.interval = minutes(30);
  in.cap = hours(24);
  const seconds expected[] = {minutes(30), hours(1),  hours(2),  hours(4),
                              hours(8),    hours(16), hours(24), hours(24)};
  for (int n = 1; n <= 8; ++n) {
    in.consecutive_failures = n;
    EXPECT_EQ(base_delay(in), expected[n - 1]) << n << " failures";
  }
  in.consecutive_failures = 100000; // no overflow on very long outages
  EXPECT_EQ(base_delay(in), hours(24));
}

TEST(Schedule, RetryAfterOnAFailureIsHonouredWhenLaterThanTheBackoff) {
  ScheduleInputs in;
  in.interval = minutes(10);
  in.consecutive_failures = 1;
  in.retry_after = hours(2);
  EXPECT_EQ(base_delay(in), hours(2));
  in.retry_after = seconds(5);
  EXPECT_EQ(base_delay(in), minutes(10));
}

TEST(Schedule, AnIntervalLongerThanTheCapIsKept) {
  ScheduleInputs in;
  in.interval = hours(48);
  in.cap = hours(24);
  EXPECT_EQ(base_delay(in), hours(48));
}

TEST(Schedule, JitterSpreadsFeedsWithinTenPercentAndIsDeterministic) {
  ScheduleInputs in;
  in.interval = hours(1);
  seconds lo = hours(10);
  seconds hi = seconds(0);
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    in.jitter_seed = seed;
    const seconds d = next_delay(in);
    EXPECT_EQ(d, next_delay(in));
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, hours(1));
  EXPECT_LT(hi, seconds(3960));
  EXPECT_GT(hi - lo, minutes(5)); // actually spread, not lockstep
}

TEST(Schedule, JitterNeverPushesABackoffBeyondTheCap) {
  ScheduleInputs in;
  in.interval = hours(1);
  in.cap = hours(24);
  in.consecutive_failures = 30;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    in.jitter_seed = seed;
    EXPECT_LE(next_delay(in), hours(24));
    EXPECT_GE(next_delay(in), hours(21));
  }
}

TEST(Schedule, JitterFractionIsInTheUnitInterval) {
  for (std::uint64_t seed = 0; seed < 10000; seed += 7) {
    const double u = jitter_fraction(seed * 0x12345);
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(Schedule, MaxAgeIsReadFromCacheControl) {
  EXPECT_EQ(parse_max_age("max-age=3600"), seconds(3600));
  EXPECT_EQ(parse_max_age("public, Max-Age = 60 , must-revalidate"), seconds(60));
  EXPECT_EQ(parse_max_age("max-age=\"120\""), seconds(120));
  EXPECT_EQ(parse_max_age("public"), std::nullopt);
  EXPECT_EQ(parse_max_age(""), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age=abc"), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age=-5"), std::nullopt);
  EXPECT_EQ(parse_max_age("no-store, max-age=600"), std::nullopt);
  EXPECT_EQ(parse_max_age("max-age=600, no-cache"), std::nullopt);
}

TEST(Schedule, StableHashDependsOnlyOnTheText) {
  EXPECT_EQ(stable_hash("lwn"), stable_hash("lwn"));
  EXPECT_NE(stable_hash("lwn"), stable_hash("lwm"));
}

} // namespace
} // namespace feedpop::feeds
