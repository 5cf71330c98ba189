#pragma once
// UTF-8 (RFC 3629) checks and the one repair policy every module uses: each maximal
// subpart of an ill-formed sequence becomes one U+FFFD (Unicode 15 §3.9 "U+FFFD
// Substitution of Maximal Subparts", the WHATWG Encoding Standard's decoder, and what
// Python's errors="replace" does, so feedparser and feedpop repair text the same way).
// Example: "\xE2\x82" (a truncated euro sign) is one U+FFFD; "\x80\x80" is two.

#include <cstddef>
#include <string>
#include <string_view>

namespace feedpop::utf8 {

inline constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

struct Scan {
  std::size_t length; // bytes of the sequence, or of the maximal ill-formed subpart (≥ 1)
  bool valid;
};

// The sequence starting at text[pos] (pos < text.size()): a well-formed character (no
// overlongs, surrogates or values above U+10FFFF, RFC 3629 §4), or the maximal subpart
// of an ill-formed one: the lead byte and the continuation bytes that could still have
// completed it.
inline Scan scan(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    return {1, true};
  }
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF; // the range allowed for the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    lo = b0 == 0xE0 ? 0xA0 : 0x80;
    hi = b0 == 0xED ? 0x9F : 0xBF;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    lo = b0 == 0xF0 ? 0x90 : 0x80;
    hi = b0 == 0xF4 ? 0x8F : 0xBF;
  } else {
    return {1, false};
  }
  const std::size_t left = text.size() - pos;
  if (left < 2 || byte(1) < lo || byte(1) > hi) {
    return {1, false};
  }
  for (std::size_t i = 2; i < need; ++i) {
    if (left <= i || (byte(i) & 0xC0) != 0x80) {
      return {i, false};
    }
  }
  return {need, true};
}

// Length of the well-formed sequence at text[pos], or 0 when the bytes there are not one.
inline std::size_t sequence_length(std::string_view text, std::size_t pos) {
  const Scan s = scan(text, pos);
  return s.valid ? s.length : 0;
}

// The code point of a well-formed sequence of `length` bytes at text[pos].
inline char32_t decode(std::string_view text, std::size_t pos, std::size_t length) {
  const auto b = [&](std::size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[pos + i]));
  };
  switch (length) {
  case 1:
    return b(0);
  case 2:
    return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
  case 3:
    return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  default:
    return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

// Appends the UTF-8 encoding of `cp`; surrogates and values above U+10FFFF become U+FFFD.
void append(std::string& out, char32_t cp);

bool is_valid(std::string_view text);

// `text` with each maximal ill-formed subpart replaced by U+FFFD.
std::string repair(std::string_view text);

// Number of characters, an ill-formed subpart counting as one (its U+FFFD): a column
// count for wrapping text.
std::size_t width(std::string_view text);

} // namespace feedpop::utf8
