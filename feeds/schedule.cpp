#include "feeds/schedule.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "common/ascii.hpp"

namespace feedpop::feeds {

using std::chrono::seconds;

namespace {

using ascii::lower;
using ascii::trim;

} // namespace

double jitter_fraction(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) / static_cast<double>(1ULL << 53);
}

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

seconds base_delay(const ScheduleInputs& in) {
  const seconds interval = std::max(in.interval, seconds(1));
  // A configured interval longer than the cap wins: the cap bounds what others ask for.
  const seconds cap = std::max(in.cap, interval);
  if (in.consecutive_failures <= 0) {
    seconds d = interval;
    for (const auto& hint : {in.feed_ttl, in.max_age, in.retry_after}) {
      if (hint && *hint > d) {
        d = *hint;
      }
    }
    return std::min(d, cap);
  }
  // interval × 2^(failures-1), without overflowing on long outages.
  seconds d = interval;
  for (int i = 1; i < in.consecutive_failures && d < cap; ++i) {
    d *= 2;
  }
  d = std::min(d, cap);
  // RFC 9110 §10.2.3: Retry-After (429, 503) says when to come back; honour it if later.
  if (in.retry_after && *in.retry_after > d) {
    d = std::min(*in.retry_after, cap);
  }
  return d;
}

seconds next_delay(const ScheduleInputs& in) {
  const seconds d = base_delay(in);
  const double u = jitter_fraction(in.jitter_seed);
  // Successes spread up to 10% later; failures up to 10% earlier, so the cap holds.
  const double factor = in.consecutive_failures <= 0 ? 1.0 + 0.1 * u : 0.9 + 0.1 * u;
  return std::max(seconds(1),
                  seconds(static_cast<seconds::rep>(static_cast<double>(d.count()) * factor)));
}

std::optional<seconds> parse_max_age(std::string_view cache_control) {
  std::optional<seconds> max_age;
  std::string_view rest = cache_control;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto eq = item.find('=');
    const std::string name = lower(trim(item.substr(0, eq)));
    if (name == "no-store" || name == "no-cache") {
      return std::nullopt;
    }
    if (name != "max-age" || eq == std::string_view::npos) {
      continue;
    }
    std::string_view value = trim(item.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2); // RFC 9111 §5.2: tolerate quoted form
    }
    long long n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
      return std::nullopt;
    }
    max_age = seconds(n);
  }
  return max_age;
}

} // namespace feedpop::feeds
