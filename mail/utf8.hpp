#pragma once
// Small UTF-8 helpers shared by the header and body writers. Pure, inline.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace feedpop::mail::utf8 {

// Length of the well-formed sequence starting at text[pos] (RFC 3629 §4: no overlongs,
// no surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
inline std::size_t sequence_length(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) {
    return 1;
  }
  const auto cont = [&](std::size_t i) { return left > i && (byte(i) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    return cont(1) ? 2 : 0;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) {
      return 0;
    }
    if ((b0 == 0xE0 && byte(1) < 0xA0) || (b0 == 0xED && byte(1) > 0x9F)) {
      return 0;
    }
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) {
      return 0;
    }
    if ((b0 == 0xF0 && byte(1) < 0x90) || (b0 == 0xF4 && byte(1) > 0x8F)) {
      return 0;
    }
    return 4;
  }
  return 0;
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

inline constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

// Number of code points (invalid bytes count one each): a column count for wrapping.
inline std::size_t width(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t len = sequence_length(text, i);
    i += len == 0 ? 1 : len;
    ++n;
  }
  return n;
}

} // namespace feedpop::mail::utf8

namespace feedpop::mail::utf8 {

// Text with every ill-formed byte replaced by U+FFFD.
inline std::string repair(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) { // ASCII runs are copied whole
      std::size_t j = i + 1;
      while (j < text.size() && static_cast<unsigned char>(text[j]) < 0x80) {
        ++j;
      }
      out.append(text.data() + i, j - i);
      i = j;
      continue;
    }
    const std::size_t len = sequence_length(text, i);
    if (len == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

} // namespace feedpop::mail::utf8
