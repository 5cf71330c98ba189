#include "feeds/dates.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "common/ascii.hpp"

namespace feedpop::feeds {

namespace {

using std::chrono::sys_seconds;

using ascii::lower;

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

std::optional<sys_seconds> parse_rfc822(std::string_view text) {
  const std::string lowered = lower(text);
  Words parts = split_words(lowered);
  auto& p = parts.w;
  if (parts.n == 0) {
    return std::nullopt;
  }
  // "Sun, 06 Nov 1994", "Sunday, 06-Nov-94" (RFC 850): drop the weekday.
  static constexpr std::array<std::string_view, 7> weekdays = {"mon", "tue", "wed", "thu",
                                                               "fri", "sat", "sun"};
  if (std::find(weekdays.begin(), weekdays.end(), p[0].substr(0, 3)) != weekdays.end()) {
    parts.erase_front();
  }
  // RFC 850 "06-Nov-94 08:49:37 GMT".
  if (parts.n > 0 && std::count(p[0].begin(), p[0].end(), '-') == 2) {
    const std::string_view first = p[0];
    auto d1 = first.find('-');
    auto d2 = first.find('-', d1 + 1);
    std::copy_backward(p.begin() + 1, p.end() - 2, p.end());
    p[0] = first.substr(0, d1);
    p[1] = first.substr(d1 + 1, d2 - d1 - 1);
    p[2] = first.substr(d2 + 1);
    parts.n += 2;
  }
  if (parts.n < 3) {
    return std::nullopt;
  }
  if (parts.n < 5) {
    p[4] = "gmt";
    if (parts.n < 4) {
      p[3] = "00:00:00";
    }
  }
  // Day and month may be swapped ("Nov 06 1994"); a trailing comma is tolerated.
  for (std::size_t k = 0; k < 5; ++k) {
    while (!p[k].empty() && (p[k].back() == ',' || p[k].back() == '.')) {
      p[k].remove_suffix(1);
    }
  }
  int month = month_of(p[1]);
  auto day = to_int(p[0]);
  if (!day) {
    month = month_of(p[0]);
    day = to_int(p[1]);
  }
  auto year = to_int(p[2]);
  if (!day || month == 0 || !year) {
    return std::nullopt;
  }
  if (p[2].size() <= 2) {
    *year += *year < 90 ? 2000 : 1900; // RFC 2822 §4.3
  }
  int hms[3] = {0, 0, 0};
  std::string_view t = p[3];
  for (int k = 0; k < 3 && !t.empty(); ++k) {
    auto colon = t.find(':');
    auto v = to_int(t.substr(0, colon));
    if (!v) {
      return std::nullopt;
    }
    hms[k] = *v;
    t = colon == std::string_view::npos ? std::string_view{} : t.substr(colon + 1);
  }
  std::string_view zone = p[4];
  if (zone.starts_with("etc/")) {
    zone.remove_prefix(4);
  }
  if ((zone.starts_with("gmt") || zone.starts_with("utc")) && zone.size() > 3) {
    zone.remove_prefix(3); // "GMT+2", "UTC-05:00"
  }
  int offset = 0;
  if (auto numeric = numeric_offset(zone)) {
    offset = *numeric;
  } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    return std::nullopt;
  } else if (auto named = zone_hours(zone)) {
    offset = *named * 60;
  }
  return make_utc(*year, month, *day, hms[0], hms[1], hms[2], offset);
}

// W3C-DTF (a profile of ISO 8601; RFC 3339): YYYY[-MM[-DD]][(T| )hh:mm[:ss[.f]]][zone].
std::optional<sys_seconds> parse_w3dtf(std::string_view text) {
  const std::string_view trimmed = ascii::trim(text);
  // The year comes first: four digits (or a sign and three), so anything else, such as the
  // weekday of an RFC 822 date, is refused before any copy is made.
  if (trimmed.size() < 4 ||
      !(ascii::is_digit(trimmed[0]) || trimmed[0] == '+' || trimmed[0] == '-')) {
    return std::nullopt;
  }
  const std::string s = lower(trimmed);
  std::string_view date = s;
  std::string time;
  const auto sep = std::find_if(s.begin(), s.end(), [](char c) { return c == 't' || c == ' '; });
  if (sep != s.end()) {
    date = std::string_view(s).substr(0, static_cast<std::size_t>(sep - s.begin()));
    // "2006-01-11 16:43:22 -0800": the zone may follow after a space.
    std::copy_if(sep + 1, s.end(), std::back_inserter(time), [](char c) { return c != ' '; });
    if (time.find('t') != std::string::npos) {
      return std::nullopt;
    }
  }
  std::array<std::string_view, 3> d;
  std::size_t fields = 0;
  for (std::size_t from = 0; fields < 3;) {
    auto dash = fields < 2 ? date.find('-', from) : std::string_view::npos;
    d[fields++] = date.substr(from, dash == std::string_view::npos ? dash : dash - from);
    if (dash == std::string_view::npos) {
      break;
    }
    from = dash + 1;
  }
  if (d[0].size() != 4) {
    return std::nullopt;
  }
  auto year = to_int(d[0]);
  auto month = fields > 1 ? to_int(d[1]) : std::optional<int>(1);
  auto day = fields > 2 ? to_int(d[2]) : std::optional<int>(1);
  if (!year || !month || !day) {
    return std::nullopt;
  }
  int offset = 0;
  std::string_view clock = time, zone;
  if (!clock.empty() && clock.back() == 'z') {
    clock.remove_suffix(1);
  } else {
    auto z = clock.find_first_of("+-");
    if (z == std::string_view::npos) {
      z = static_cast<std::size_t>(
          std::find_if(clock.begin(), clock.end(), [](char c) { return c >= 'a' && c <= 'z'; }) -
          clock.begin());
      z = z == clock.size() ? std::string_view::npos : z;
    }
    if (z != std::string_view::npos) {
      zone = clock.substr(z);
      clock = clock.substr(0, z);
    }
  }
  if (!zone.empty()) {
    if (auto numeric = numeric_offset(zone)) {
      offset = *numeric;
    } else if (zone[0] == '+' || zone[0] == '-') {
      return std::nullopt;
    } else if (auto named = zone_hours(zone)) {
      offset = *named * 60;
    }
  }
  int hms[3] = {0, 0, 0};
  std::string_view t = clock;
  for (int k = 0; k < 3 && !t.empty(); ++k) {
    auto colon = k < 2 ? t.find(':') : std::string_view::npos;
    auto field = t.substr(0, colon);
    if (k == 2) {
      field = field.substr(0, field.find('.')); // fractional seconds are truncated
    }
    auto v = to_int(field);
    if (!v) {
      return std::nullopt;
    }
    hms[k] = *v;
    t = colon == std::string_view::npos ? std::string_view{} : t.substr(colon + 1);
  }
  return make_utc(*year, *month, *day, hms[0], hms[1], hms[2], offset);
}

// asctime: "Sun Nov  6 08:49:37 1994" (optionally with a zone before the year).
std::optional<sys_seconds> parse_asctime(std::string_view text) {
  auto p = split_ws(text);
  if (p.size() == 5) {
    p.insert(p.begin() + 4, "+0000");
  }
  if (p.size() != 6) {
    return std::nullopt;
  }
  return parse_rfc822(p[0] + " " + p[2] + " " + p[1] + " " + p[5] + " " + p[3] + " " + p[4]);
}

// ISO 8601 basic format: "20040105", "20040105T101010Z", "20040105T1010+0100".
std::optional<sys_seconds> parse_iso8601_basic(std::string_view text) {
  std::string s = lower(text);
  if (s.size() < 8 || !to_int(s.substr(0, 8))) {
    return std::nullopt;
  }
  int year = *to_int(s.substr(0, 4)), month = *to_int(s.substr(4, 2));
  int day = *to_int(s.substr(6, 2));
  std::string_view rest = std::string_view(s).substr(8);
  int hms[3] = {0, 0, 0};
  int offset = 0;
  if (!rest.empty()) {
    if (rest.front() != 't') {
      return std::nullopt;
    }
    rest.remove_prefix(1);
    for (int k = 0; k < 3 && rest.size() >= 2 && ascii::is_digit(rest[0]); ++k) {
      auto v = to_int(rest.substr(0, 2));
      if (!v) {
        return std::nullopt;
      }
      hms[k] = *v;
      rest.remove_prefix(2);
      if (!rest.empty() && rest.front() == ':') {
        rest.remove_prefix(1);
      }
    }
    if (!rest.empty() && rest.front() == '.') {
      rest.remove_prefix(rest.find_first_not_of("0123456789", 1) == std::string_view::npos
                             ? rest.size()
                             : rest.find_first_not_of("0123456789", 1));
    }
    if (rest == "z") {
      rest = {};
    }
    if (!rest.empty()) {
      auto o = numeric_offset(rest);
      if (!o) {
        return std::nullopt;
      }
      offset = *o;
    }
  }
  return make_utc(year, month, day, hms[0], hms[1], hms[2], offset);
}

} // namespace

// Numeric dates outside every standard that feeds still write: "2020/1/10 14:33:00"
// (year first, slashes) and "10.01.2020 14:33" (day first, dots), the time (h:m or
// h:m:s) and a zone ("+0100", "CET") optional. Without a zone the time is taken as UTC.
// Month-first "1/10/2020" is ambiguous and not read.
std::optional<sys_seconds> parse_numeric(std::string_view text) {
  auto parts = split_ws(lower(text));
  if (parts.empty() || parts.size() > 3) {
    return std::nullopt;
  }
  const std::string& date = parts[0];
  const char sep = date.find('/') != std::string::npos ? '/' : '.';
  std::vector<std::string_view> d;
  for (std::string_view rest = date; d.size() < 4;) {
    const auto at = rest.find(sep);
    d.push_back(rest.substr(0, at));
    if (at == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(at + 1);
  }
  if (d.size() != 3 || d[sep == '/' ? 0 : 2].size() != 4 || d[sep == '/' ? 2 : 0].size() > 2 ||
      d[1].size() > 2) {
    return std::nullopt;
  }
  auto year = to_int(d[sep == '/' ? 0 : 2]);
  auto month = to_int(d[1]);
  auto day = to_int(d[sep == '/' ? 2 : 0]);
  if (!year || !month || !day || d[0].starts_with('+') || d[0].starts_with('-')) {
    return std::nullopt;
  }
  int hms[3] = {0, 0, 0};
  int offset = 0;
  std::string time = parts.size() > 1 ? parts[1] : "";
  std::string zone = parts.size() > 2 ? parts[2] : "";
  if (auto z = time.find_first_of("+-"); z != std::string::npos && zone.empty()) {
    zone = time.substr(z);
    time.erase(z);
  }
  if (!time.empty()) {
    std::string_view t = time;
    int fields = 0;
    for (; fields < 3 && !t.empty(); ++fields) {
      const auto colon = t.find(':');
      auto v = to_int(t.substr(0, colon));
      if (!v || *v < 0) {
        return std::nullopt;
      }
      hms[fields] = *v;
      t = colon == std::string_view::npos ? std::string_view{} : t.substr(colon + 1);
    }
    if (fields < 2 || !t.empty()) {
      return std::nullopt;
    }
  }
  if (!zone.empty()) {
    if (auto numeric = numeric_offset(zone)) {
      offset = *numeric;
    } else if (auto named = zone_hours(zone)) {
      offset = *named * 60;
    } else {
      return std::nullopt;
    }
  }
  return make_utc(*year, *month, *day, hms[0], hms[1], hms[2], offset);
}

std::optional<sys_seconds> parse_date(std::string_view text) {
  if (text.size() > 200) {
    return std::nullopt;
  }
  for (auto* parser :
       {parse_w3dtf, parse_rfc822, parse_iso8601_basic, parse_asctime, parse_numeric}) {
    if (auto t = parser(text)) {
      return t;
    }
  }
  return std::nullopt;
}

std::string iso8601_utc(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

} // namespace feedpop::feeds
