#pragma once
// ASCII character classes, case mapping and trimming, shared by every module (DESIGN.md:
// common/ may be used by all). The process never calls
// setlocale(), so <cctype> runs in the "C" locale, where these answer exactly as
// std::isalpha/isdigit/isxdigit/tolower do, without a library call per character.

#include <string>
#include <string_view>

namespace feedpop::ascii {

constexpr bool is_alpha(char c) {
  return static_cast<unsigned char>((c | 0x20) - 'a') < 26;
}
constexpr bool is_digit(char c) {
  return static_cast<unsigned char>(c - '0') < 10;
}
constexpr bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
constexpr bool is_xdigit(char c) {
  return is_digit(c) || static_cast<unsigned char>((c | 0x20) - 'a') < 6;
}
constexpr char lower(char c) {
  return static_cast<unsigned char>(c - 'A') < 26 ? static_cast<char>(c | 0x20) : c;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = lower(c);
  }
  return out;
}

// `s` equals `lower_word` (already lower case) ignoring ASCII case.
constexpr bool iequals(std::string_view s, std::string_view lower_word) {
  if (s.size() != lower_word.size()) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (lower(s[i]) != lower_word[i]) {
      return false;
    }
  }
  return true;
}

constexpr char upper(char c) {
  return static_cast<unsigned char>(c - 'a') < 26 ? static_cast<char>(c & ~0x20) : c;
}

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = upper(c);
  }
  return out;
}

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// `s` without leading and trailing ASCII white space.
constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// `a` equals `b` ignoring ASCII case (both sides folded).
constexpr bool iequals_both(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

} // namespace feedpop::ascii
