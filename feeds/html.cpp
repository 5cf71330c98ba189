#include "feeds/html.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/ascii.hpp"
#include "common/utf8.hpp"
#include "feeds/html_entities.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::html {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
using ascii::is_alnum;
using ascii::is_alpha;
using ascii::is_digit;
using ascii::is_xdigit;

// `s` lower-cased into `out` (whose buffer is reused).
void assign_lower(std::string& out, std::string_view s) {
  out.assign(s);
  for (char& c : out) {
    c = ascii::lower(c);
  }
}

bool iequals_prefix(std::string_view s, std::size_t at, std::string_view prefix) {
  if (at + prefix.size() > s.size()) {
    return false;
  }
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    if (ascii::lower(s[at + k]) != prefix[k]) {
      return false;
    }
  }
  return true;
}

// Index of the first of & < > " in s[i..], or s.size(). escape_into's scan: it reads every
// byte of every sanitised body, so it looks at 16 bytes per step where SSE2 is there.
std::size_t next_escapable(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
  // '<' (0x3C) and '>' (0x3E) differ only in bit 1, '"' (0x22) and '&' (0x26) only in bit 2.
  const __m128i bit1 = _mm_set1_epi8(0x02), bit2 = _mm_set1_epi8(0x04);
  const __m128i angle = _mm_set1_epi8(0x3E), amp = _mm_set1_epi8(0x26);
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_or_si128(v, bit1), angle),
                               _mm_cmpeq_epi8(_mm_or_si128(v, bit2), amp));
    if (auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit)); mask != 0) {
      return i + static_cast<std::size_t>(std::countr_zero(mask));
    }
  }
#endif
  for (; i < s.size(); ++i) {
    char c = s[i];
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

// Appends `text` with its references decoded.
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

// One Token reused for every token of a document, and the attribute strings of earlier
// tags kept for later ones: a body of thousands of tags then allocates only when a value
// is longer than any before it.
class TokenBuffer {
public:
  Token& reset(Token::Kind kind) {
    for (auto& a : tok_.attrs) {
      spare_.push_back(std::move(a));
    }
    tok_.attrs.clear();
    tok_.kind = kind;
    tok_.name.clear();
    tok_.text.clear();
    tok_.self_closing = false;
    return tok_;
  }

  Token& token() { return tok_; }

  // A new last attribute, both strings empty.
  std::pair<std::string, std::string>& add_attribute() {
    if (spare_.empty()) {
      return tok_.attrs.emplace_back();
    }
    auto& a = tok_.attrs.emplace_back(std::move(spare_.back()));
    spare_.pop_back();
    a.first.clear();
    a.second.clear();
    return a;
  }

private:
  Token tok_;
  std::vector<std::pair<std::string, std::string>> spare_;
};

bool has_attribute(const Token& tok, std::string_view raw_name) {
  return std::any_of(tok.attrs.begin(), tok.attrs.end(), [&](const auto& a) {
    return a.first.size() == raw_name.size() && iequals_prefix(raw_name, 0, a.first);
  });
}

// Parses attributes from s[i..] until '>'; fills the buffer's token. Returns npos when the
// input ends before the tag does (the '<' is then text, as browsers and sgmllib treat it).
std::size_t scan_attributes(std::string_view s, std::size_t i, TokenBuffer& buf) {
  Token& tok = buf.token();
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == '/')) {
      if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '>') {
        tok.self_closing = true;
      }
      ++i;
    }
    if (i >= s.size()) {
      return std::string_view::npos;
    }
    if (s[i] == '>') {
      return i + 1;
    }
    std::size_t name_start = i;
    while (i < s.size() && !is_space(s[i]) && s[i] != '=' && s[i] != '>' &&
           !(s[i] == '/' && i > name_start)) {
      ++i;
    }
    std::string_view name = s.substr(name_start, i - name_start);
    while (i < s.size() && is_space(s[i])) {
      ++i;
    }
    std::string_view value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
        char q = s[i++];
        auto close = s.find(q, i);
        if (close == std::string_view::npos) {
          return std::string_view::npos;
        }
        value = s.substr(i, close - i);
        i = close + 1;
      } else {
        std::size_t v = i;
        while (i < s.size() && !is_space(s[i]) && s[i] != '>') {
          ++i;
        }
        value = s.substr(v, i - v);
      }
    }
    // The first of repeated attributes wins (HTML5 §13.2.5.33).
    if (!name.empty() && !has_attribute(tok, name)) {
      auto& a = buf.add_attribute();
      assign_lower(a.first, name);
      append_decoded(a.second, value);
    }
  }
  return std::string_view::npos;
}

bool is_raw_text_element(std::string_view name) {
  return name == "script" || name == "style" || name == "xmp" || name == "textarea" ||
         name == "title" || name == "iframe" || name == "noembed" || name == "noframes";
}

// The end of the text of the raw text element `name` starting at s[i]: its end tag (matched
// case-insensitively) or the end of the input.
std::size_t raw_text_end(std::string_view s, std::size_t i, std::string_view name) {
  std::size_t end = i;
  while (end < s.size()) {
    end = s.find("</", end);
    if (end == std::string_view::npos || iequals_prefix(s, end + 2, name)) {
      break;
    }
    end += 2;
  }
  return end == std::string_view::npos ? s.size() : end;
}

// The end of the tag name starting at s[n].
std::size_t tag_name_end(std::string_view s, std::size_t n) {
  while (n < s.size() && !is_space(s[n]) && s[n] != '>' && s[n] != '/') {
    ++n;
  }
  return n;
}

} // namespace

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
    switch (text[i]) {
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
    run = ++i;
  }
  out.append(text.data() + run, text.size() - run);
}

void tokenize(std::string_view s, const std::function<void(const Token&)>& on_token) {
  TokenBuffer buf;
  // Text is always one contiguous run s[text_from, i): every markup token flushes it first.
  std::size_t text_from = 0;
  auto flush_text = [&](std::size_t upto) {
    if (upto > text_from) {
      Token& t = buf.reset(Token::Kind::text);
      append_decoded(t.text, s.substr(text_from, upto - text_from));
      on_token(t);
    }
    text_from = upto;
  };
  // Emits s[from, to) as a token of `kind` whose text is kept literally.
  auto emit_literal = [&](Token::Kind kind, std::size_t from, std::size_t to) {
    Token& t = buf.reset(kind);
    t.text.assign(s.substr(from, to - from));
    on_token(t);
  };
  std::size_t i = 0;
  while (i < s.size()) {
    auto lt = s.find('<', i);
    if (lt == std::string_view::npos) {
      break;
    }
    i = lt;
    bool bang = i + 1 < s.size() && s[i + 1] == '!'; // comments, CDATA, DOCTYPE
    if (bang && s.compare(i, 4, "<!--") == 0) {
      flush_text(i);
      auto end = s.find("-->", i + 4);
      emit_literal(Token::Kind::comment, i + 4, end == std::string_view::npos ? s.size() : end);
      i = end == std::string_view::npos ? s.size() : end + 3;
    } else if (bang && s.compare(i, 9, "<![CDATA[") == 0) {
      // CDATA sections appear in XHTML content; their text is literal.
      flush_text(i);
      auto end = s.find("]]>", i + 9);
      std::size_t to = end == std::string_view::npos ? s.size() : end;
      if (to > i + 9) {
        emit_literal(Token::Kind::text, i + 9, to);
      }
      i = end == std::string_view::npos ? s.size() : end + 3;
    } else if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      flush_text(i);
      auto end = s.find('>', i + 2);
      emit_literal(s[i + 1] == '!' ? Token::Kind::doctype : Token::Kind::comment, i + 2,
                   end == std::string_view::npos ? s.size() : end);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else if (i + 2 < s.size() && s[i + 1] == '/' && is_alpha(s[i + 2])) {
      flush_text(i);
      std::size_t n = tag_name_end(s, i + 2);
      Token& t = buf.reset(Token::Kind::end_tag);
      assign_lower(t.name, s.substr(i + 2, n - i - 2));
      auto end = s.find('>', n);
      i = end == std::string_view::npos ? s.size() : end + 1;
      on_token(t);
    } else if (i + 1 < s.size() && is_alpha(s[i + 1])) {
      flush_text(i);
      std::size_t n = tag_name_end(s, i + 1);
      Token& t = buf.reset(Token::Kind::start_tag);
      assign_lower(t.name, s.substr(i + 1, n - i - 1));
      std::size_t after = scan_attributes(s, n, buf);
      if (after == std::string_view::npos) {
        i = s.size(); // an unterminated tag at the end is text
        break;
      }
      i = after;
      on_token(t);
      if (is_raw_text_element(t.name) && !t.self_closing) {
        // Raw text (HTML5 §13.1.2.6): everything up to the matching end tag is text.
        std::string name = t.name;
        std::size_t end = raw_text_end(s, i, name);
        if (end > i) {
          Token& text = buf.reset(Token::Kind::text);
          if (name == "textarea" || name == "title") {
            append_decoded(text.text, s.substr(i, end - i));
          } else {
            text.text.assign(s.substr(i, end - i));
          }
          on_token(text);
        }
        i = end;
      }
    } else {
      ++i; // a '<' that starts no markup is text
      continue;
    }
    text_from = i;
  }
  flush_text(s.size());
}

std::string to_text(std::string_view html) {
  std::string text;
  int skip = 0;
  tokenize(html, [&](const Token& t) {
    if (t.kind == Token::Kind::start_tag && (t.name == "script" || t.name == "style")) {
      ++skip;
    } else if (t.kind == Token::Kind::end_tag && (t.name == "script" || t.name == "style")) {
      skip = std::max(0, skip - 1);
    } else if (t.kind == Token::Kind::text && skip == 0) {
      text += t.text;
    }
  });
  // Collapse whitespace runs (including U+00A0 left as is: it is meant to be kept).
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (is_space(c) || c == '\v') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out += ' ';
      space = false;
    }
    out += c;
  }
  return out;
}

} // namespace feedpop::feeds::html
