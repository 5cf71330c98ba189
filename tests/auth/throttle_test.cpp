// auth::Throttle with its clock injected: verdict slots per address (/64) and per user
// name across addresses, the failure delay, trust after a login, refusal past max_wait,
// bounded memory, and thread safety.
#include <algorithm>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "auth/throttle.hpp"

namespace feedpop::auth {
namespace {

using namespace std::chrono_literals;
using Clock = Throttle::Clock;

const Clock::time_point t0 = Clock::time_point() + 1000h;

// prefix + i, with append(): GCC 12's -Wrestrict misfires on operator+ at -O3.
std::string numbered(std::string prefix, int i) {
  return prefix.append(std::to_string(i));
}

// Most verdicts answered within any window of `window` (answer times sorted).
std::size_t densest(std::vector<Clock::time_point> times, Clock::duration window) {
  std::sort(times.begin(), times.end());
  std::size_t best = 0;
  for (std::size_t i = 0, j = 0; j < times.size(); ++j) {
    while (times[j] - times[i] >= window) {
      ++i;
    }
    best = std::max(best, j - i + 1);
  }
  return best;
}

// The slots alone, without the failure delay.
ThrottleOptions slots_only() {
  ThrottleOptions o;
  o.failure_delay = o.max_failure_delay = 0ms;
  return o;
}

TEST(Throttle, SimultaneousGuessesFromOneAddressGetOneSlotPerSecond) {
  Throttle t(slots_only());
  std::vector<Clock::time_point> answers;
  std::size_t refused = 0;
  for (int i = 0; i < 64; ++i) { // 64 connections guessing at the same instant
    const auto d = t.attempt("192.0.2.7", numbered("user", i), false, t0);
    if (d.refused) {
      ++refused;
      continue;
    }
    answers.push_back(d.answer_at);
  }
  EXPECT_EQ(densest(answers, 1s), 1u);
  EXPECT_EQ(answers.size(), 16u); // slots 0..15 s; later ones past max_wait (15 s)
  EXPECT_EQ(refused, 48u);
}

TEST(Throttle, GuessesOnOneUserFromManyAddressesGetOneSlotPerTwoSeconds) {
  Throttle t;
  std::vector<Clock::time_point> answers;
  for (int i = 0; i < 200; ++i) {
    const auto now = t0 + i * 10ms;
    const auto d = t.attempt(numbered("198.51.100.", i), "Alice", false, now);
    if (!d.refused) {
      answers.push_back(d.answer_at);
    }
  }
  EXPECT_EQ(densest(answers, 2s), 1u);
  EXPECT_EQ(answers.size(), 8u); // t0 + 1, 3, ..., 15 s; the rest past max_wait
  // Case does not make a new user name: queued after the last slot.
  EXPECT_EQ(t.attempt("203.0.113.1", "ALICE", false, t0 + 3s).answer_at, t0 + 17s);
}

TEST(Throttle, SequentialFailuresWaitTheDoublingFailureDelay) {
  Throttle t;
  auto now = t0;
  std::vector<Clock::duration> waits;
  for (int i = 0; i < 6; ++i) {
    const auto d = t.attempt("192.0.2.1", "bob", false, now);
    ASSERT_FALSE(d.refused);
    waits.push_back(d.answer_at - now);
    now = d.answer_at; // the client asks again once answered
  }
  EXPECT_EQ(waits, (std::vector<Clock::duration>{1s, 2s, 4s, 8s, 15s, 15s}));
  // Ten quiet minutes later the delay starts over.
  EXPECT_EQ(t.attempt("192.0.2.1", "bob", false, now + 11min).answer_at - (now + 11min), 1s);
}

TEST(Throttle, ASuccessWaitsForPendingSlotsButReservesNone) {
  Throttle t;
  EXPECT_EQ(t.attempt("192.0.2.1", "alice", false, t0).answer_at, t0 + 1s);
  // The right password right after: answered when the failure's slot has passed, so a
  // guesser learns nothing sooner from a success than from a failure.
  const auto ok = t.attempt("192.0.2.1", "alice", true, t0 + 100ms);
  EXPECT_EQ(ok.answer_at, t0 + 3s); // alice's next slot, 2 s after the failure's answer
  // Trusted from now on, and the success took no slot: only the address's slot remains.
  EXPECT_EQ(t.attempt("192.0.2.1", "alice", true, t0 + 1s).answer_at, t0 + 2s);
  EXPECT_EQ(t.attempt("192.0.2.1", "alice", true, t0 + 4s).answer_at, t0 + 4s);
}

TEST(Throttle, AnAddressWhereTheUserLoggedInSkipsTheUsersQueue) {
  Throttle t;
  EXPECT_EQ(t.attempt("192.0.2.1", "alice", true, t0).answer_at, t0);
  for (int i = 0; i < 20; ++i) { // someone else guesses alice's password meanwhile
    (void)t.attempt(numbered("198.51.100.", i), "alice", false, t0 + 1s);
  }
  EXPECT_TRUE(t.attempt("203.0.113.9", "alice", true, t0 + 1s).refused); // a new address
  const auto home = t.attempt("192.0.2.1", "alice", true, t0 + 1s);
  EXPECT_FALSE(home.refused);
  EXPECT_EQ(home.answer_at, t0 + 1s); // no wait at all: a delay, never a lockout, at home
}

TEST(Throttle, AnIpv6ClientIsCountedByItsSlash64) {
  EXPECT_EQ(Throttle::address_key("2001:db8:1:2:aaaa::1"),
            Throttle::address_key("2001:db8:1:2::9"));
  EXPECT_NE(Throttle::address_key("2001:db8:1:2::1"), Throttle::address_key("2001:db8:1:3::1"));
  EXPECT_EQ(Throttle::address_key("192.0.2.1"), "192.0.2.1");
  Throttle t;
  (void)t.attempt("2001:db8:1:2::1", "a", false, t0);
  EXPECT_EQ(t.attempt("2001:db8:1:2::2", "b", false, t0).answer_at, t0 + 2s); // next slot
  EXPECT_EQ(t.attempt("2001:db8:1:3::1", "c", false, t0).answer_at, t0 + 1s); // own slot
}

TEST(Throttle, FailureDelayForCallersThatKnowNoUserTakesTheAddressesSlots) {
  Throttle t;
  EXPECT_EQ(t.failure_delay("192.0.2.9", 100ms, 1s, t0), 100ms);
  EXPECT_EQ(t.failure_delay("192.0.2.9", 100ms, 1s, t0 + 100ms), 1000ms); // next slot: +1 s
  EXPECT_EQ(t.failure_delay("192.0.2.10", 100ms, 1s, t0), 100ms);         // another address
  for (int i = 0; i < 30; ++i) { // never refused, the wait grows instead
    (void)t.failure_delay("192.0.2.9", 100ms, 1s, t0 + 200ms);
  }
  EXPECT_GT(t.failure_delay("192.0.2.9", 100ms, 1s, t0 + 200ms), 30s);
}

TEST(Throttle, MemoryStaysBoundedWhateverTheNumberOfAddressesAndNames) {
  ThrottleOptions o;
  o.max_entries = 1000;
  Throttle t(o);
  for (int i = 0; i < 50000; ++i) {
    // Built with append(): GCC 12's -Wrestrict misfires on chains of operator+ at -O3.
    std::string address = "10.";
    address.append(std::to_string(i / 65536)).append(".");
    address.append(std::to_string(i / 256 % 256)).append(".").append(std::to_string(i % 256));
    std::string user(static_cast<std::size_t>(100 + i % 50), 'x');
    user.append(std::to_string(i));
    (void)t.attempt(address, user, i % 2 == 0, t0);
  }
  EXPECT_LE(t.entries(), 3000u);
  EXPECT_GE(t.entries(), 2000u);
}

TEST(Throttle, ParallelCallersShareTheSlots) {
  Throttle t(slots_only());
  std::vector<std::thread> threads;
  std::vector<std::vector<Clock::time_point>> answers(8);
  for (std::size_t k = 0; k < answers.size(); ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 100; ++i) {
        // Distinct names in every thread: a name shared by two threads would also take
        // that user's slots, and how many of those fit in max_wait depends on the order.
        const auto d =
            t.attempt("192.0.2.44", numbered("u", static_cast<int>(k) * 100 + i), false, t0);
        if (!d.refused) {
          answers[k].push_back(d.answer_at);
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  std::vector<Clock::time_point> all;
  for (const auto& a : answers) {
    all.insert(all.end(), a.begin(), a.end());
  }
  EXPECT_EQ(all.size(), 16u);
  EXPECT_EQ(densest(all, 1s), 1u);
}

} // namespace
} // namespace feedpop::auth
