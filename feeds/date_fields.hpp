#pragma once
// The fields feed dates are made of (internal to feeds/): the readers in dates.cpp build
// on these.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::feeds::date_fields {

// Whitespace-separated words of `s`.
std::vector<std::string> split_ws(std::string_view s);

// The first words of `s` (split at whitespace) as views, and how many words there are:
// the RFC 822 reader uses at most the first six.
struct Words {
  std::array<std::string_view, 8> w;
  std::size_t n = 0;

  void erase_front() {
    std::copy(w.begin() + 1, w.end(), w.begin());
    --n;
  }
};
Words split_words(std::string_view s);

// A whole string of digits (optionally signed, at most nine) as int; nullopt otherwise.
std::optional<int> to_int(std::string_view s);

// 1–12 for a name starting with a month's three letters (lower case), else 0.
int month_of(std::string_view name);

// The instant of a civil date and time at `offset_minutes` east of UTC; nullopt when a
// field is out of range (a leap second is read as :59, as Python's datetime does).
std::optional<std::chrono::sys_seconds> make_utc(int year, int month, int day, int hour, int minute,
                                                 int second, int offset_minutes);

// Hours east of UTC of a zone name (lower case): "gmt", "est", "cest", military letters.
std::optional<int> zone_hours(std::string_view z);

// "+hhmm", "+hh:mm", "+h", "-hh": minutes east of UTC.
std::optional<int> numeric_offset(std::string_view z);

} // namespace feedpop::feeds::date_fields
