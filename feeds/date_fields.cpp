// The fields feed dates are made of (internal to feeds/, date_fields.hpp): numbers, month
// and zone names, numeric offsets, words.
#include "feeds/date_fields.hpp"

#include <algorithm>
#include <array>

#include "common/ascii.hpp"

namespace feedpop::feeds::date_fields {

using std::chrono::sys_seconds;

std::vector<std::string> split_ws(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && ascii::is_space(s[i])) {
      ++i;
    }
    std::size_t start = i;
    while (i < s.size() && !ascii::is_space(s[i])) {
      ++i;
    }
    if (i > start) {
      out.emplace_back(s.substr(start, i - start));
    }
  }
  return out;
}

// A whole string of digits (optionally signed) as int; nullopt otherwise.
std::optional<int> to_int(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 9) {
    return std::nullopt;
  }
  int v = 0;
  for (char c : s) {
    if (!ascii::is_digit(c)) {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return neg ? -v : v;
}

int month_of(std::string_view name) {
  static constexpr std::array<std::string_view, 12> months = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) {
    return 0;
  }
  for (std::size_t i = 0; i < months.size(); ++i) {
    if (name.substr(0, 3) == months[i]) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

std::optional<sys_seconds> make_utc(int year, int month, int day, int hour, int minute, int second,
                                    int offset_minutes) {
  using namespace std::chrono;
  if (year < 1 || year > 9999 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 61) {
    return std::nullopt;
  }
  year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}};
  if (month < 1 || month > 12 || day < 1 || !ymd.ok()) {
    return std::nullopt;
  }
  second = std::min(second, 59); // leap seconds: as Python's datetime, clamp
  return sys_days{ymd} + hours{hour} + minutes{minute} + seconds{second} - minutes{offset_minutes};
}

// Zone names feedparser knows, plus common European ones feeds use (RFC 822 §5.1 and
// military letters as feedparser reads them).
std::optional<int> zone_hours(std::string_view z) {
  struct Z {
    std::string_view name;
    int hours;
  };
  static constexpr std::array<Z, 30> zones = {{
      {"ut", 0},   {"utc", 0},  {"gmt", 0},  {"z", 0},   {"adt", -3}, {"ast", -4},
      {"at", -4},  {"edt", -4}, {"est", -5}, {"et", -5}, {"cdt", -5}, {"cst", -6},
      {"ct", -6},  {"mdt", -6}, {"mst", -7}, {"mt", -7}, {"pdt", -7}, {"pst", -8},
      {"pt", -8},  {"a", -1},   {"n", 1},    {"m", -12}, {"y", 12},   {"met", 1},
      {"mest", 2}, {"cet", 1},  {"cest", 2}, {"bst", 1}, {"eet", 2},  {"eest", 3},
  }};
  for (const auto& zone : zones) {
    if (zone.name == z) {
      return zone.hours;
    }
  }
  return std::nullopt;
}

// "+hhmm", "+hh:mm", "+h", "-hh": minutes east of UTC.
std::optional<int> numeric_offset(std::string_view z) {
  if (z.empty() || (z[0] != '+' && z[0] != '-')) {
    return std::nullopt;
  }
  int sign = z[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : z.substr(1)) {
    if (c != ':') {
      digits += c;
    }
  }
  auto all = to_int(digits);
  if (!all || digits.empty() || digits.size() > 4) {
    return std::nullopt;
  }
  int h = digits.size() <= 2 ? *all : *all / 100;
  int m = digits.size() <= 2 ? 0 : *all % 100;
  if (h > 23 || m > 59) {
    return std::nullopt;
  }
  return sign * (h * 60 + m);
}

Words split_words(std::string_view s) {
  Words words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && ascii::is_space(s[i])) {
      ++i;
    }
    std::size_t start = i;
    while (i < s.size() && !ascii::is_space(s[i])) {
      ++i;
    }
    if (i > start) {
      if (words.n < words.w.size()) {
        words.w[words.n] = s.substr(start, i - start);
      }
      ++words.n;
    }
  }
  return words;
}

} // namespace feedpop::feeds::date_fields
