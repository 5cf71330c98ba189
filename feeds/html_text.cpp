// Character references and escaping: decode_entities(), escape(), and the decode-and-escape
// pass the sanitiser writes text with.
#include <array>
#include <bit>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/html_entities.hpp"
#include "feeds/html_scan.hpp"

namespace feedpop::feeds::html {

namespace {

using ascii::is_alnum;
using ascii::is_digit;
using ascii::is_xdigit;

// Index of the first of & < > " in s[i..], or s.size(). escape_into's scan: it reads every
// byte of every sanitised body, so it looks at 16 bytes per step where SSE2 is there, the
// last (partial) block included: it is read again from s.size() - 16, its bytes before i
// masked off.
std::size_t next_escapable(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
  if (s.size() >= 16) {
    // '<' (0x3C) and '>' (0x3E) differ only in bit 1, '"' (0x22) and '&' (0x26) in bit 2.
    const __m128i bit1 = _mm_set1_epi8(0x02), bit2 = _mm_set1_epi8(0x04);
    const __m128i angle = _mm_set1_epi8(0x3E), amp = _mm_set1_epi8(0x26);
    const auto hits = [&](std::size_t at) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + at));
      const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, bit1), angle),
                                       _mm_cmpeq_epi8(_mm_or_si128(v, bit2), amp));
      return static_cast<unsigned>(_mm_movemask_epi8(hit));
    };
    for (; i + 16 <= s.size(); i += 16) {
      if (const unsigned mask = hits(i); mask != 0) {
        return i + static_cast<std::size_t>(std::countr_zero(mask));
      }
    }
    if (i < s.size()) {
      const std::size_t last = s.size() - 16;
      if (const unsigned mask = hits(last) >> (i - last); mask != 0) {
        return i + static_cast<std::size_t>(std::countr_zero(mask));
      }
    }
    return s.size();
  }
#endif
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '&' || c == '<' || c == '>' || c == '"') {
      return i;
    }
  }
  return s.size();
}

// HTML5 §13.2.5.80: numeric references to C1 controls mean their windows-1252 characters.
constexpr std::array<char16_t, 32> kWindows1252C1 = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

// Decodes the reference at text[i] == '&'; returns the bytes consumed (0: not a reference).
std::size_t decode_reference(std::string_view text, std::size_t i, std::string& out) {
  std::size_t j = i + 1;
  if (j < text.size() && text[j] == '#') {
    ++j;
    bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
    if (hex) {
      ++j;
    }
    std::size_t digits_start = j;
    std::uint32_t cp = 0;
    while (j < text.size() && (hex ? is_xdigit(text[j]) : is_digit(text[j]))) {
      if (cp <= 0x10FFFF) {
        int d = is_digit(text[j]) ? text[j] - '0' : ascii::lower(text[j]) - 'a' + 10;
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      }
      ++j;
    }
    if (j == digits_start) {
      return 0;
    }
    if (j < text.size() && text[j] == ';') {
      ++j;
    }
    if (cp >= 0x80 && cp <= 0x9F) {
      cp = kWindows1252C1[cp - 0x80];
    } else if (cp == 0) {
      cp = 0xFFFD;
    }
    utf8::append(out, static_cast<char32_t>(cp));
    return j - i;
  }
  while (j < text.size() && j - i <= 32 && is_alnum(text[j])) {
    ++j;
  }
  std::string_view name = text.substr(i + 1, j - i - 1);
  if (name.empty()) {
    return 0;
  }
  if (j < text.size() && text[j] == ';') {
    if (auto value = lookup_entity(name)) {
      out.append(*value);
      return j + 1 - i;
    }
    return 0;
  }
  // Legacy references without ';' (HTML5 §13.2.5.73), not before '=' as in URLs.
  if (is_legacy_entity(name) && !(j < text.size() && text[j] == '=')) {
    out.append(*lookup_entity(name));
    return j - i;
  }
  return 0;
}

// Appends the escaped form of the single character c, one of & < > ".
void append_escaped(std::string& out, char c) {
  switch (c) {
  case '&':
    out.append("&amp;");
    break;
  case '<':
    out.append("&lt;");
    break;
  case '>':
    out.append("&gt;");
    break;
  default:
    out.append("&quot;");
    break;
  }
}

} // namespace

void append_decoded(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto amp = text.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, amp - i));
    std::size_t used = decode_reference(text, amp, out);
    if (used == 0) {
      out += '&';
      used = 1;
    }
    i = amp + used;
  }
}

void append_decoded_escaped(std::string& out, std::string_view text) {
  // Escaping works character by character, so escaping the decoded text is escaping each
  // run between references as written and each reference's decoded value.
  std::string value; // a reference's value: a few bytes, within the small-string buffer
  std::size_t run = 0;
  for (std::size_t i = next_escapable(text, 0); i < text.size(); i = next_escapable(text, i)) {
    out.append(text.data() + run, i - run);
    std::size_t used = 1;
    if (text[i] == '&') {
      value.clear();
      used = decode_reference(text, i, value);
      if (used == 0) {
        out.append("&amp;");
        used = 1;
      } else {
        escape_into(out, value);
      }
    } else {
      append_escaped(out, text[i]);
    }
    i += used;
    run = i;
  }
  out.append(text.data() + run, text.size() - run);
}

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_decoded(out, text);
  return out;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  escape_into(out, text);
  return out;
}

void escape_into(std::string& out, std::string_view text) {
  // Runs of characters that need no escaping are appended whole: this sits on the hot
  // path of rendering (every text token of every sanitised body).
  std::size_t run = 0;
  for (std::size_t i = next_escapable(text, 0); i < text.size(); i = next_escapable(text, i)) {
    out.append(text.data() + run, i - run);
    append_escaped(out, text[i]);
    run = ++i;
  }
  out.append(text.data() + run, text.size() - run);
}

} // namespace feedpop::feeds::html
