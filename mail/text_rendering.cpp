#include "mail/text_rendering.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"
#include "mail/text_writer.hpp"

namespace feedpop::mail {
namespace text_detail {
namespace {

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Elements that end a paragraph and leave a blank line (HTML's block-level content).
bool is_block(std::string_view name) {
  return one_of(name, {"p",       "div",    "section", "article", "aside",      "header",
                       "footer",  "nav",    "main",    "figure",  "figcaption", "h1",
                       "h2",      "h3",     "h4",      "h5",      "h6",         "blockquote",
                       "pre",     "table",  "hr",      "dl",      "address",    "details",
                       "summary", "center", "ul",      "ol",      "body",       "html"});
}

// Elements that start a new line without a blank one (tight lists, table rows).
bool is_line(std::string_view name) {
  return one_of(name, {"li", "tr", "dt", "dd", "caption"});
}

// Elements whose content is never shown as text.
bool is_hidden(std::string_view name) {
  return one_of(name, {"script", "style", "head", "title", "template", "noscript", "svg", "math",
                       "iframe", "object", "select", "textarea"});
}

// Only http, https and mailto URLs are listed (feeds::url::has_safe_scheme).
bool is_reference_url(std::string_view url) {
  return feeds::url::has_safe_scheme(url);
}

} // namespace

void TextWriter::on_token(const Token& token) {
  if (in_video_link_) {
    // A video link (feeds/html_embeds.hpp) is written whole by on_video_link.
    in_video_link_ = !(token.kind == Token::Kind::end_tag && token.name == "a");
    return;
  }
  switch (token.kind) {
  case Token::Kind::text:
    on_text(token.text);
    break;
  case Token::Kind::start_tag:
    has_markup_ = true;
    on_start(token);
    break;
  case Token::Kind::end_tag:
    has_markup_ = true;
    on_end(token.name);
    break;
  default:
    break;
  }
}

void TextWriter::on_text(std::string_view text) {
  if (hidden_ > 0) {
    return;
  }
  const auto printable = [](unsigned char b) { return b > 0x20 && b < 0x7F; };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    // Fast path: a run of printable ASCII outside <pre> goes in whole.
    if (pre_ == 0 && printable(c)) {
      std::size_t j = i + 1;
      while (j < text.size() && printable(static_cast<unsigned char>(text[j]))) {
        ++j;
      }
      if (pending_space_ && !inline_.empty() && inline_.back() != '\n') {
        inline_ += ' ';
      }
      pending_space_ = false;
      inline_.append(text.data() + i, j - i);
      i = j;
      continue;
    }
    // An ill-formed subpart is passed on empty: append_char writes U+FFFD for it.
    const utf8::Scan scan = c >= 0x80 ? utf8::scan(text, i) : utf8::Scan{1, true};
    const std::size_t len = scan.valid ? scan.length : 0;
    if (pre_ > 0) {
      if (c != '\r') {
        append_char(text.substr(i, len), (c < 0x20 && c != '\n' && c != '\t') || c == 0x7F);
      }
    } else if (c <= 0x20 || c == 0x7F) {
      pending_space_ = true;
    } else {
      if (pending_space_ && !inline_.empty() && inline_.back() != '\n') {
        inline_ += ' ';
      }
      pending_space_ = false;
      append_char(text.substr(i, len), false);
    }
    i += scan.length;
  }
}

// One character, or U+FFFD for an ill-formed subpart (empty), or a space for a control.
void TextWriter::append_char(std::string_view ch, bool control) {
  if (control) {
    inline_ += ' ';
  } else if (ch.empty()) {
    inline_ += utf8::replacement;
  } else {
    inline_ += ch;
  }
}

void TextWriter::on_start(const Token& token) {
  const std::string& name = token.name;
  if (is_hidden(name)) {
    hidden_ += token.self_closing ? 0 : 1;
    return;
  }
  if (hidden_ > 0) {
    return;
  }
  if (name == "br") {
    inline_ += '\n';
    pending_space_ = false;
    return;
  }
  if (name == "img") {
    on_image(token);
    return;
  }
  if (name == "a" && has_attribute(token, "data-feedpop-video")) {
    on_video_link(token);
    return;
  }
  if (name == "a") {
    link_href_ = attribute(token, "href");
    link_start_ = inline_.size();
    return;
  }
  if (name == "td" || name == "th") {
    pending_space_ = true;
    return;
  }
  if (is_block(name) || is_line(name)) {
    block_boundary(break_for(name, lists_.empty()));
  }
  if (name == "blockquote") {
    ++quote_;
  } else if (name == "pre") {
    ++pre_;
  } else if (name == "ul" || name == "ol") {
    lists_.push_back({name == "ol", 0, "", false});
  } else if (name == "li" && !lists_.empty()) {
    ListLevel& level = lists_.back();
    ++level.counter;
    level.marker = level.ordered ? fmt::format("{}. ", level.counter) : "\xE2\x80\xA2 ";
    level.marker_pending = true;
  }
}

void TextWriter::on_end(std::string_view name) {
  if (is_hidden(name)) {
    hidden_ = std::max(0, hidden_ - 1);
    return;
  }
  if (hidden_ > 0) {
    return;
  }
  if (name == "a") {
    close_link();
    return;
  }
  if (!is_block(name) && !is_line(name)) {
    return;
  }
  block_boundary(break_for(name, lists_.size() <= 1));
  if (name == "blockquote") {
    quote_ = std::max(0, quote_ - 1);
  } else if (name == "pre") {
    pre_ = std::max(0, pre_ - 1);
  } else if ((name == "ul" || name == "ol") && !lists_.empty()) {
    lists_.pop_back();
  }
}

// A list nested in a list item starts and ends on the next line, not after a blank one.
Break TextWriter::break_for(std::string_view name, bool outermost_list) {
  if (is_line(name) || ((name == "ul" || name == "ol") && !outermost_list)) {
    return Break::line;
  }
  return Break::blank;
}

std::string TextWriter::attribute(const Token& token, std::string_view name) {
  for (const auto& [key, value] : token.attrs) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

bool TextWriter::has_attribute(const Token& token, std::string_view name) {
  return std::any_of(token.attrs.begin(), token.attrs.end(),
                     [&](const auto& a) { return a.first == name; });
}

void TextWriter::on_image(const Token& token) {
  std::string alt = attribute(token, "alt");
  std::string shown;
  for (const char ch : alt) {
    shown += static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch;
  }
  if (!shown.empty() && shown.find_first_not_of(' ') != std::string::npos) {
    // The image's link too, so a reader of the text part can still open it.
    const std::string src = attribute(token, "src");
    const bool linked = is_reference_url(src) && src.find_first_of(" <>") == std::string::npos;
    on_text(" [image: " + shown + "]" + (linked ? " <" + src + ">" : std::string()) + " ");
  }
}

// "[video: TITLE] URL" on a line of its own, the URL whole.
void TextWriter::on_video_link(const Token& token) {
  in_video_link_ = !token.self_closing;
  if (!link_href_.empty()) {
    close_link();
  }
  if (!inline_.empty() && inline_.back() != '\n') {
    inline_ += '\n';
  }
  pending_space_ = false;
  const std::string href = attribute(token, "href");
  const bool linked = is_reference_url(href) && href.find_first_of(" <>") == std::string::npos;
  const std::string title = attribute(token, "data-feedpop-video");
  on_text((title.empty() ? std::string("[video]") : "[video: " + title + "]") +
          (linked ? " " + href : std::string()));
  inline_ += '\n';
  pending_space_ = false;
}

void TextWriter::close_link() {
  const std::string href = link_href_;
  link_href_.clear();
  const std::string_view target(href);
  if (href.empty() || !is_reference_url(href) || link_start_ > inline_.size()) {
    return;
  }
  std::string_view text = std::string_view(inline_).substr(link_start_);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  // A link whose text is its own URL needs no reference: the URL is already a word.
  if (text == target || (target.starts_with("mailto:") && text == target.substr(7))) {
    return;
  }
  const auto [it, added] = reference_numbers_.try_emplace(href, references_.size() + 1);
  if (added) {
    references_.push_back(href);
  }
  inline_ += fmt::format("{}[{}]", text.empty() ? "" : " ", it->second);
}

} // namespace text_detail

using text_detail::TextWriter;
using text_detail::Token;

TextRendering html_to_text(std::string_view html, std::size_t width) {
  TextWriter writer(width);
  feeds::html::tokenize(html, [&writer](const Token& token) { writer.on_token(token); });
  return writer.finish();
}

} // namespace feedpop::mail
