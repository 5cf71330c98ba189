// The HTML tokenizer's tag scanning (attributes, raw text elements) and the two consumers
// that read markup as a token stream: tokenize() for other modules, to_text() for titles.
#include <algorithm>
#include <array>

#include "common/ascii.hpp"
#include "feeds/html.hpp"
#include "feeds/html_scan.hpp"

namespace feedpop::feeds::html {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// Bytes that end a tag name (whitespace, '>', '/') and an attribute name (those and '='),
// looked up in a table: the name loops run over every byte of every tag.
constexpr std::array<bool, 256> kEndsTagName = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f', '>', '/'}) {
    t[c] = true;
  }
  return t;
}();
constexpr std::array<bool, 256> kEndsAttributeName = [] {
  std::array<bool, 256> t = kEndsTagName;
  t['='] = true;
  return t;
}();

bool ends(const std::array<bool, 256>& table, char c) {
  return table[static_cast<unsigned char>(c)];
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

bool has_attribute(const Token& tok, std::string_view raw_name) {
  return std::any_of(tok.attrs.begin(), tok.attrs.end(), [&](const auto& a) {
    return a.first.size() == raw_name.size() && iequals_prefix(raw_name, 0, a.first);
  });
}

// The public token stream: text tokens decoded into a Token of their own.
class TokenSink {
public:
  explicit TokenSink(const std::function<void(const Token&)>& on_token) : on_token_(on_token) {}

  void on_text(std::string_view source, bool decode) {
    text_.kind = Token::Kind::text;
    text_.text.clear();
    if (decode) {
      append_decoded(text_.text, source);
    } else {
      text_.text.assign(source);
    }
    on_token_(text_);
  }
  void on_markup(Token::Kind kind, std::string_view literal) {
    text_.kind = kind;
    text_.text.assign(literal);
    on_token_(text_);
  }
  void on_tag(const Token& tag) { on_token_(tag); }

private:
  const std::function<void(const Token&)>& on_token_;
  Token text_; // name and attrs stay empty
};

// Text of everything outside script and style elements, references decoded.
class TextSink {
public:
  explicit TextSink(std::string& text) : text_(text) {}

  void on_text(std::string_view source, bool decode) {
    if (skip_ > 0) {
      return;
    }
    if (decode) {
      append_decoded(text_, source);
    } else {
      text_.append(source);
    }
  }
  void on_markup(Token::Kind /*kind*/, std::string_view /*literal*/) {}
  void on_tag(const Token& t) {
    if (t.name == "script" || t.name == "style") {
      skip_ = t.kind == Token::Kind::start_tag ? skip_ + 1 : std::max(0, skip_ - 1);
    }
  }

private:
  std::string& text_;
  int skip_ = 0;
};

} // namespace

namespace scan_detail {

std::size_t tag_name_end(std::string_view s, std::size_t n) {
  while (n < s.size() && !ends(kEndsTagName, s[n])) {
    ++n;
  }
  return n;
}

void assign_lower(std::string& out, std::string_view s) {
  out.resize(s.size());
  char* d = out.data();
  for (char c : s) {
    *d++ = ascii::lower(c);
  }
}

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
    // s[i] is neither whitespace nor '/' (skipped above): the name is at least one byte.
    std::size_t name_start = i;
    while (i < s.size() && !ends(kEndsAttributeName, s[i])) {
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
  switch (name.size()) {
  case 3:
    return name == "xmp";
  case 5:
    return name == "style" || name == "title";
  case 6:
    return name == "script" || name == "iframe";
  case 7:
    return name == "noembed";
  case 8:
    return name == "textarea" || name == "noframes";
  default:
    return false;
  }
}

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

} // namespace scan_detail

void tokenize(std::string_view s, const std::function<void(const Token&)>& on_token) {
  TokenSink sink(on_token);
  scan_html(s, sink);
}

std::string to_text(std::string_view html) {
  std::string text;
  TextSink sink(text);
  scan_html(html, sink);
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
