#include "feeds/html.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "feeds/html_entities.hpp"
#include "feeds/url.hpp"
#include "feeds/utf8.hpp"

namespace feedpop::feeds::html {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool iequals_prefix(std::string_view s, std::size_t at, std::string_view prefix) {
  if (at + prefix.size() > s.size()) {
    return false;
  }
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(s[at + k])) != prefix[k]) {
      return false;
    }
  }
  return true;
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
    while (j < text.size() && (hex ? std::isxdigit(static_cast<unsigned char>(text[j])) != 0
                                   : std::isdigit(static_cast<unsigned char>(text[j])) != 0)) {
      if (cp <= 0x10FFFF) {
        int d = std::isdigit(static_cast<unsigned char>(text[j]))
                    ? text[j] - '0'
                    : std::tolower(static_cast<unsigned char>(text[j])) - 'a' + 10;
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

struct TagScan {
  std::size_t end; // index after '>'
};

// Parses attributes from s[i..] until '>'; fills token. Returns npos when the input ends
// before the tag does (the '<' is then text, as browsers and sgmllib treat it).
std::size_t scan_attributes(std::string_view s, std::size_t i, Token& tok) {
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
    std::string name = lower(s.substr(name_start, i - name_start));
    while (i < s.size() && is_space(s[i])) {
      ++i;
    }
    std::string value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && is_space(s[i])) {
        ++i;
      }
      if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
        char q = s[i++];
        auto close = s.find(q, i);
        if (close == std::string_view::npos) {
          close = s.size();
        }
        if (close == s.size()) {
          return std::string_view::npos;
        }
        value = decode_entities(s.substr(i, close - i));
        i = close + 1;
      } else {
        std::size_t v = i;
        while (i < s.size() && !is_space(s[i]) && s[i] != '>') {
          ++i;
        }
        value = decode_entities(s.substr(v, i - v));
      }
    }
    if (!name.empty() && std::none_of(tok.attrs.begin(), tok.attrs.end(),
                                      [&](const auto& a) { return a.first == name; })) {
      tok.attrs.emplace_back(std::move(name), std::move(value));
    }
  }
  return std::string_view::npos;
}

bool is_raw_text_element(std::string_view name) {
  return name == "script" || name == "style" || name == "xmp" || name == "textarea" ||
         name == "title" || name == "iframe" || name == "noembed" || name == "noframes";
}

} // namespace

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
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
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view replacement;
    switch (text[i]) {
    case '&':
      replacement = "&amp;";
      break;
    case '<':
      replacement = "&lt;";
      break;
    case '>':
      replacement = "&gt;";
      break;
    case '"':
      replacement = "&quot;";
      break;
    default:
      continue;
    }
    out.append(text.data() + run, i - run);
    out.append(replacement);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

void tokenize(std::string_view s, const std::function<void(const Token&)>& on_token) {
  Token tok;
  std::string raw_text;
  auto flush_text = [&] {
    if (!raw_text.empty()) {
      tok = Token{};
      tok.text = decode_entities(raw_text);
      on_token(tok);
      raw_text.clear();
    }
  };
  std::size_t i = 0;
  while (i < s.size()) {
    auto lt = s.find('<', i);
    if (lt == std::string_view::npos) {
      raw_text.append(s.substr(i));
      break;
    }
    raw_text.append(s.substr(i, lt - i));
    i = lt;
    if (s.compare(i, 4, "<!--") == 0) {
      flush_text();
      auto end = s.find("-->", i + 4);
      tok = Token{};
      tok.kind = Token::Kind::comment;
      tok.text = s.substr(i + 4, (end == std::string_view::npos ? s.size() : end) - i - 4);
      on_token(tok);
      i = end == std::string_view::npos ? s.size() : end + 3;
    } else if (s.compare(i, 9, "<![CDATA[") == 0) {
      // CDATA sections appear in XHTML content; their text is literal.
      flush_text();
      auto end = s.find("]]>", i + 9);
      tok = Token{};
      tok.text = s.substr(i + 9, (end == std::string_view::npos ? s.size() : end) - i - 9);
      if (!tok.text.empty()) {
        on_token(tok);
      }
      i = end == std::string_view::npos ? s.size() : end + 3;
    } else if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      flush_text();
      auto end = s.find('>', i + 2);
      tok = Token{};
      tok.kind = s[i + 1] == '!' ? Token::Kind::doctype : Token::Kind::comment;
      tok.text = s.substr(i + 2, (end == std::string_view::npos ? s.size() : end) - i - 2);
      on_token(tok);
      i = end == std::string_view::npos ? s.size() : end + 1;
    } else if (i + 2 < s.size() && s[i + 1] == '/' && is_alpha(s[i + 2])) {
      flush_text();
      std::size_t n = i + 2;
      while (n < s.size() && !is_space(s[n]) && s[n] != '>' && s[n] != '/') {
        ++n;
      }
      tok = Token{};
      tok.kind = Token::Kind::end_tag;
      tok.name = lower(s.substr(i + 2, n - i - 2));
      auto end = s.find('>', n);
      i = end == std::string_view::npos ? s.size() : end + 1;
      on_token(tok);
    } else if (i + 1 < s.size() && is_alpha(s[i + 1])) {
      flush_text();
      std::size_t n = i + 1;
      while (n < s.size() && !is_space(s[n]) && s[n] != '>' && s[n] != '/') {
        ++n;
      }
      tok = Token{};
      tok.kind = Token::Kind::start_tag;
      tok.name = lower(s.substr(i + 1, n - i - 1));
      std::size_t after = scan_attributes(s, n, tok);
      if (after == std::string_view::npos) {
        raw_text.append(s.substr(i)); // an unterminated tag at the end is text
        i = s.size();
        break;
      }
      i = after;
      on_token(tok);
      if (is_raw_text_element(tok.name) && !tok.self_closing) {
        // Raw text (HTML5 §13.1.2.6): everything up to the matching end tag is text.
        std::string close = "</" + tok.name;
        std::size_t end = i;
        while (end < s.size()) {
          end = s.find("</", end);
          if (end == std::string_view::npos || iequals_prefix(s, end, close)) {
            break;
          }
          end += 2;
        }
        if (end == std::string_view::npos) {
          end = s.size();
        }
        std::string name = tok.name;
        if (end > i) {
          tok = Token{};
          tok.text = name == "textarea" || name == "title" ? decode_entities(s.substr(i, end - i))
                                                           : std::string(s.substr(i, end - i));
          on_token(tok);
        }
        i = end;
      }
    } else {
      raw_text += '<';
      ++i;
    }
  }
  flush_text();
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
