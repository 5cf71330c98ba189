#include "feeds/xml_prepass.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "feeds/html_entities.hpp"

namespace feedpop::feeds::xml {

namespace {

constexpr std::array<char16_t, 32> kWindows1252C1 = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

using ascii::is_alpha;
using ascii::is_digit;
using ascii::is_xdigit;

bool is_name_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.';
}

// Bytes the pass must look at: C0 controls XML forbids, '&', "<!" (comments, CDATA and
// the DOCTYPE) and 0xC2 (the lead byte of the C1 controls' UTF-8 form).
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) {
    t[c] = c != '\t' && c != '\n' && c != '\r';
  }
  t['&'] = t['<'] = t[0xC2] = true;
  return t;
}();

bool is_special_at(std::string_view s, std::size_t i) {
  return kSpecial[static_cast<unsigned char>(s[i])] &&
         (s[i] != '<' || (i + 1 < s.size() && s[i + 1] == '!'));
}

// Index of the first special byte in s[i..], or s.size(). The pass reads every byte of
// every XML feed, so it looks at 16 bytes per step where SSE2 is there; a '<' counts only
// before '!', so ordinary tags do not stop the scan.
std::size_t next_special(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
  const __m128i max_control = _mm_set1_epi8(0x1F);
  const __m128i tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  const __m128i amp = _mm_set1_epi8('&'), lt = _mm_set1_epi8('<'), bang = _mm_set1_epi8('!');
  const __m128i c2 = _mm_set1_epi8(static_cast<char>(0xC2));
  for (; i + 17 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i + 1));
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v); // v <= 0x1F
    __m128i allowed = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)),
                                   _mm_cmpeq_epi8(v, cr));
    __m128i markup = _mm_and_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(next, bang));
    __m128i hit = _mm_or_si128(
        _mm_andnot_si128(allowed, control),
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, amp), markup), _mm_cmpeq_epi8(v, c2)));
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0) {
      return i + static_cast<std::size_t>(std::countr_zero(mask));
    }
  }
#endif
  while (i < s.size() && !is_special_at(s, i)) {
    ++i;
  }
  return i;
}

struct Repairs {
  bool entities = false, controls = false, c1 = false, doctype = false;
  std::string describe() const {
    std::string out;
    auto add = [&](const char* what) {
      out += out.empty() ? "" : "; ";
      out += what;
    };
    if (entities) {
      add("undefined entity or stray '&'");
    }
    if (controls) {
      add("invalid control character");
    }
    if (c1) {
      add("C1 control read as windows-1252");
    }
    if (doctype) {
      add("DOCTYPE ignored");
    }
    return out;
  }
};

// Appends the numeric reference `ref` (digits `digits`, at most 9) in the form the XML
// parser decodes: a reference to U+0000, a surrogate or a value above U+10FFFF (which
// would decode to bytes that are not UTF-8) becomes one to U+FFFD, and "&#X" (which XML
// does not define, but real feeds write) becomes "&#x". Not reported as a repair.
void append_numeric_reference(std::string_view ref, std::string_view digits, bool hex,
                              std::string& out) {
  std::uint64_t cp = 0;
  for (char c : digits) {
    const auto v = static_cast<unsigned>(is_digit(c) ? c - '0' : ascii::lower(c) - 'a' + 10);
    cp = cp * (hex ? 16 : 10) + v;
  }
  const bool scalar = cp != 0 && !(cp >= 0xD800 && cp <= 0xDFFF) && cp <= 0x10FFFF;
  if (!scalar) {
    out += "&#65533;";
  } else if (hex && ref[2] == 'X') {
    out += "&#x";
    out.append(ref.substr(3));
  } else {
    out.append(ref);
  }
}

// Handles the '&' at doc[i]; appends its repaired form; returns bytes consumed.
std::size_t repair_reference(std::string_view doc, std::size_t i, std::string& out, Repairs& r) {
  std::size_t j = i + 1;
  if (j < doc.size() && doc[j] == '#') {
    std::size_t k = j + 1;
    bool hex = k < doc.size() && (doc[k] == 'x' || doc[k] == 'X');
    k += hex ? 1 : 0;
    std::size_t digits = k;
    while (k < doc.size() && (hex ? is_xdigit(doc[k]) : is_digit(doc[k]))) {
      ++k;
    }
    if (k > digits && k < doc.size() && doc[k] == ';' && k - digits < 10) {
      append_numeric_reference(doc.substr(i, k + 1 - i), doc.substr(digits, k - digits), hex, out);
      return k + 1 - i;
    }
  } else {
    std::size_t k = j;
    while (k < doc.size() && k - j < 40 && is_name_char(doc[k])) {
      ++k;
    }
    if (k > j && k < doc.size() && doc[k] == ';') {
      std::string_view name = doc.substr(j, k - j);
      if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos") {
        out.append(doc.substr(i, k + 1 - i));
        return k + 1 - i;
      }
      r.entities = true;
      if (auto value = html::lookup_entity(name)) {
        // Re-encode as numeric references so that the parser, not this pass, decodes them
        // (they may sit inside attributes).
        std::string_view v = *value;
        for (std::size_t p = 0; p < v.size();) {
          std::size_t n = utf8::sequence_length(v, p);
          n = n == 0 ? 1 : n;
          char32_t cp = 0;
          auto b0 = static_cast<unsigned char>(v[p]);
          cp = n == 1 ? b0 : n == 2 ? b0 & 0x1F : n == 3 ? b0 & 0x0F : b0 & 0x07;
          for (std::size_t q = 1; q < n; ++q) {
            cp = (cp << 6) | (static_cast<unsigned char>(v[p + q]) & 0x3F);
          }
          out += "&#" + std::to_string(static_cast<std::uint32_t>(cp)) + ";";
          p += n;
        }
        return k + 1 - i;
      }
      out += "&amp;";
      return 1;
    }
  }
  r.entities = true;
  out += "&amp;";
  return 1;
}

// The length of the reference to one of XML's five predefined entities at doc[i] == '&'
// ("&lt;", "&amp;" ...), or 0 for anything else.
std::size_t predefined_reference_length(std::string_view doc, std::size_t i) {
  const auto at = [&](std::size_t k, char c) { return i + k < doc.size() && doc[i + k] == c; };
  if ((at(1, 'l') || at(1, 'g')) && at(2, 't') && at(3, ';')) {
    return 4;
  }
  if (at(1, 'a')) {
    if (at(2, 'm') && at(3, 'p') && at(4, ';')) {
      return 5;
    }
    return at(2, 'p') && at(3, 'o') && at(4, 's') && at(5, ';') ? 6 : 0;
  }
  return at(1, 'q') && at(2, 'u') && at(3, 'o') && at(4, 't') && at(5, ';') ? 6 : 0;
}

} // namespace

std::size_t doctype_end(std::string_view doc, std::size_t i) {
  int bracket = 0;
  char quote = 0;
  for (std::size_t k = i + 9; k < doc.size(); ++k) {
    char c = doc[k];
    if (quote != 0) {
      quote = c == quote ? 0 : quote;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      --bracket;
    } else if (c == '>' && bracket <= 0) {
      return k + 1;
    }
  }
  return std::string_view::npos;
}

std::string repair_lexical_faults(std::string& doc) {
  // Most documents need nothing: nothing is copied until the first repair.
  Repairs r;
  std::string out, ref;
  bool copying = false;
  std::string_view in = doc;
  std::size_t i = 0, plain_from = 0;
  auto flush_plain = [&](std::size_t upto) {
    if (copying) {
      out.append(in.substr(plain_from, upto - plain_from));
    }
  };
  auto start_copy = [&](std::size_t upto) {
    if (!copying) {
      copying = true;
      out.reserve(in.size() + 64);
      out.append(in.substr(0, upto));
      plain_from = upto;
    }
  };
  while ((i = next_special(in, i)) < in.size()) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c == '<') { // "<!"
      if (in.compare(i, 9, "<![CDATA[") == 0 || in.compare(i, 4, "<!--") == 0) {
        std::string_view end = in[i + 2] == '[' ? "]]>" : "-->";
        auto e = in.find(end, i);
        i = e == std::string_view::npos ? in.size() : e + end.size();
        continue;
      }
      if (in.compare(i, 9, "<!DOCTYPE") == 0) {
        start_copy(i);
        flush_plain(i);
        r.doctype = true;
        i = std::min(doctype_end(in, i), in.size()); // unterminated: to the end
        plain_from = i;
        continue;
      }
      ++i;
      continue;
    }
    if (c == 0xC2) {
      if (i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) >= 0x80 &&
          static_cast<unsigned char>(in[i + 1]) <= 0x9F) {
        start_copy(i);
        flush_plain(i);
        r.c1 = true;
        utf8::append(out, kWindows1252C1[static_cast<unsigned char>(in[i + 1]) - 0x80]);
        i += 2;
        plain_from = i;
      } else {
        ++i;
      }
      continue;
    }
    if (c == '&') {
      if (const std::size_t n = predefined_reference_length(in, i); n != 0) {
        i += n; // by far the most common reference: kept as it is, without a copy
        continue;
      }
      ref.clear();
      std::size_t used = repair_reference(in, i, ref, r);
      if (ref == in.substr(i, used)) {
        i += used;
        continue;
      }
      start_copy(i);
      flush_plain(i);
      out += ref;
      i += used;
      plain_from = i;
      continue;
    }
    // A forbidden control character: dropped.
    start_copy(i);
    flush_plain(i);
    r.controls = true;
    ++i;
    plain_from = i;
  }
  if (copying) {
    flush_plain(in.size());
    doc = std::move(out);
  }
  return r.describe();
}

} // namespace feedpop::feeds::xml
