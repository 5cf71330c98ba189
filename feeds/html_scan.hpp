#pragma once
// The HTML tokenizer's scanning loop (internal to feeds/), as a template over its consumer:
// html::tokenize(), to_text() and sanitize() are all built on it. A consumer (the "sink")
// receives
//   on_text(std::string_view source, bool decode)  text as written; `decode`: its
//                                                   references are to be decoded (false
//                                                   for CDATA and script/style content)
//   on_markup(Token::Kind kind, std::string_view)  a comment or doctype, literally
//   on_tag(const Token& tag)                       a start or end tag: name lower case,
//                                                   attribute values decoded
// Text is handed over as written, so a consumer that escapes it again (the sanitiser)
// decodes and escapes in one pass instead of building a decoded copy first.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/ascii.hpp"
#include "feeds/html.hpp"

namespace feedpop::feeds::html {

// Appends `text` with its character references decoded (HTML5 §13.2.5.72).
void append_decoded(std::string& out, std::string_view text);

// escape_into(out, decode_entities(text)) without the decoded copy.
void append_decoded_escaped(std::string& out, std::string_view text);

// One Token reused for every tag of a document, and the attribute strings of earlier tags
// kept for later ones: a body of thousands of tags then allocates only when a value is
// longer than any before it.
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

namespace scan_detail {

// The end of the tag name starting at s[n].
std::size_t tag_name_end(std::string_view s, std::size_t n);
// `s` lower-cased into `out` (whose buffer is reused).
void assign_lower(std::string& out, std::string_view s);
// Parses attributes from s[i..] until '>' into the buffer's token. Returns npos when the
// input ends before the tag does (the '<' is then text, as browsers and sgmllib treat it).
std::size_t scan_attributes(std::string_view s, std::size_t i, TokenBuffer& buf);
// Elements whose content is raw text (HTML5 §13.1.2.6); `name` lower case.
bool is_raw_text_element(std::string_view name);
// The end of the text of the raw text element `name` starting at s[i]: its end tag
// (matched case-insensitively) or the end of the input.
std::size_t raw_text_end(std::string_view s, std::size_t i, std::string_view name);

} // namespace scan_detail

// Calls the sink for each token of `s` in document order; never fails (garbage is text).
// Text is always one contiguous run s[text_from, i): every markup token flushes it first.
template <class Sink> void scan_html(std::string_view s, Sink& sink) {
  using namespace scan_detail;
  constexpr auto npos = std::string_view::npos;
  TokenBuffer buf;
  std::size_t text_from = 0;
  const auto flush_text = [&](std::size_t upto) {
    if (upto > text_from) {
      sink.on_text(s.substr(text_from, upto - text_from), true);
    }
    text_from = upto;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lt = s.find('<', i);
    if (lt == npos) {
      break;
    }
    i = lt;
    const bool bang = i + 1 < s.size() && s[i + 1] == '!'; // comments, CDATA, DOCTYPE
    if (bang && s.compare(i, 4, "<!--") == 0) {
      flush_text(i);
      const auto end = s.find("-->", i + 4);
      sink.on_markup(Token::Kind::comment,
                     s.substr(i + 4, (end == npos ? s.size() : end) - (i + 4)));
      i = end == npos ? s.size() : end + 3;
    } else if (bang && s.compare(i, 9, "<![CDATA[") == 0) {
      // CDATA sections appear in XHTML content; their text is literal.
      flush_text(i);
      const auto end = s.find("]]>", i + 9);
      const std::size_t to = end == npos ? s.size() : end;
      if (to > i + 9) {
        sink.on_text(s.substr(i + 9, to - (i + 9)), false);
      }
      i = end == npos ? s.size() : end + 3;
    } else if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      flush_text(i);
      const auto end = s.find('>', i + 2);
      sink.on_markup(s[i + 1] == '!' ? Token::Kind::doctype : Token::Kind::comment,
                     s.substr(i + 2, (end == npos ? s.size() : end) - (i + 2)));
      i = end == npos ? s.size() : end + 1;
    } else if (i + 2 < s.size() && s[i + 1] == '/' && ascii::is_alpha(s[i + 2])) {
      flush_text(i);
      const std::size_t n = tag_name_end(s, i + 2);
      Token& t = buf.reset(Token::Kind::end_tag);
      assign_lower(t.name, s.substr(i + 2, n - i - 2));
      const auto end = s.find('>', n);
      i = end == npos ? s.size() : end + 1;
      sink.on_tag(t);
    } else if (i + 1 < s.size() && ascii::is_alpha(s[i + 1])) {
      flush_text(i);
      const std::size_t n = tag_name_end(s, i + 1);
      Token& t = buf.reset(Token::Kind::start_tag);
      assign_lower(t.name, s.substr(i + 1, n - i - 1));
      const std::size_t after = scan_attributes(s, n, buf);
      if (after == npos) {
        i = s.size(); // an unterminated tag at the end is text
        break;
      }
      i = after;
      sink.on_tag(t);
      if (!t.self_closing && is_raw_text_element(t.name)) {
        // Raw text (HTML5 §13.1.2.6): everything up to the matching end tag is text;
        // only textarea's and title's references are decoded (escapable raw text).
        const std::size_t end = raw_text_end(s, i, t.name);
        if (end > i) {
          sink.on_text(s.substr(i, end - i), t.name == "textarea" || t.name == "title");
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

} // namespace feedpop::feeds::html
