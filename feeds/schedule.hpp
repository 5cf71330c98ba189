#pragma once
// Poll timing, pure (no clock, no randomness of its own): when a feed is polled next.
// Callers pass `now` and a jitter seed; the same inputs always give the same answer.
//
// After a success the feed waits its configured interval, raised to what the publisher
// asks for (RSS <ttl> / sy:updatePeriod, Cache-Control max-age, Retry-After) but never
// beyond `cap`. After a failure it backs off exponentially from the interval, capped.
// A little positive jitter keeps feeds that share an interval from polling in lockstep.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace feedpop::feeds {

struct ScheduleInputs {
  std::chrono::seconds interval{30 * 60};          // per-feed or global config
  std::chrono::seconds cap{24 * 3600};             // fetch.max_backoff
  std::optional<std::chrono::seconds> feed_ttl;    // from the document
  std::optional<std::chrono::seconds> max_age;     // Cache-Control max-age
  std::optional<std::chrono::seconds> retry_after; // Retry-After (429 / 503)
  int consecutive_failures = 0;                    // including this poll's failure
  std::uint64_t jitter_seed = 0;                   // e.g. hash(feed key, poll count)
};

// Delay until the next poll.
std::chrono::seconds next_delay(const ScheduleInputs& in);

// The delay before jitter: interval raised by the hints (success) or backed off (failure).
std::chrono::seconds base_delay(const ScheduleInputs& in);

// A value in [0, 1) derived from the seed (splitmix64).
double jitter_fraction(std::uint64_t seed);

// Cache-Control's max-age (RFC 9111 §5.2.2.1); nullopt when absent, malformed, or when
// no-store / no-cache make it meaningless for scheduling.
std::optional<std::chrono::seconds> parse_max_age(std::string_view cache_control);

// 64-bit FNV-1a, to derive jitter seeds from feed keys.
std::uint64_t stable_hash(std::string_view text);

} // namespace feedpop::feeds
