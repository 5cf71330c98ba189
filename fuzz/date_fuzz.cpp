// Fuzzes the feed date parser (issue 9) with arbitrary strings: every input is a time or
// std::nullopt, never a crash, overflow or UB. A parsed date must also read back from its
// own RFC 3339 form to the same instant, so the parser never returns a value it could not
// have read (e.g. a field overflowing into the next one).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "feeds/dates.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = feedpop::feeds::parse_date(text);
  if (!parsed) {
    return 0;
  }
  const auto day = floor<days>(*parsed);
  const year_month_day ymd{day};
  const hh_mm_ss hms{*parsed - day};
  const int y = static_cast<int>(ymd.year());
  // A zone offset may carry year 1 or 9999 local time just outside the RFC 3339 range.
  if (y < 1 || y > 9999) {
    return 0;
  }
  char canonical[32];
  std::snprintf(canonical, sizeof canonical, "%04d-%02u-%02uT%02d:%02d:%02dZ", y,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  const auto again = feedpop::feeds::parse_date(canonical);
  if (!again || *again != *parsed) {
    __builtin_trap();
  }
  return 0;
}
