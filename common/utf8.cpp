#include "common/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace feedpop::utf8 {
namespace {

// True when the 16 bytes at p are all ASCII: feeds are mostly ASCII, and validation runs
// over every byte of every document (charset detection, JSON feeds).
bool ascii16(const char* p) {
  std::uint64_t a = 0, b = 0;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  return ((a | b) & 0x8080808080808080ULL) == 0;
}

} // namespace

void append(std::string& out, char32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
    cp = 0xFFFD;
  }
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_valid(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (i + 16 <= text.size() && ascii16(text.data() + i)) {
      i += 16;
      continue;
    }
    // A block with non-ASCII bytes: checked sequence by sequence.
    const std::size_t stop = std::min(i + 16, text.size());
    while (i < stop) {
      const Scan s = scan(text, i);
      if (!s.valid) {
        return false;
      }
      i += s.length;
    }
  }
  return true;
}

std::string repair(std::string_view text) {
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
    const Scan s = scan(text, i);
    if (s.valid) {
      out.append(text.data() + i, s.length);
    } else {
      out += replacement;
    }
    i += s.length;
  }
  return out;
}

std::size_t width(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++n) {
    i += scan(text, i).length;
  }
  return n;
}

} // namespace feedpop::utf8
