#pragma once
// ASCII character classes and case mapping (internal to feeds/). The process never calls
// setlocale(), so <cctype> runs in the "C" locale, where these answer exactly as
// std::isalpha/isdigit/isxdigit/tolower do, without a library call per character.

#include <string>
#include <string_view>

namespace feedpop::feeds::ascii {

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

} // namespace feedpop::feeds::ascii
