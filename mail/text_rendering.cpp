#include "mail/text_rendering.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"

namespace feedpop::mail {
namespace {

using feeds::html::Token;

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

struct ListLevel {
  bool ordered = false;
  int counter = 0;
  std::string marker; // current item's marker, e.g. "• " or "12. "
  bool marker_pending = false;
};

enum class Break { none = 0, line = 1, blank = 2 };

class TextWriter {
public:
  explicit TextWriter(std::size_t width) : width_(width) {}

  void on_token(const Token& token) {
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

  TextRendering finish() {
    if (!link_href_.empty()) {
      close_link();
    }
    flush();
    std::string text = std::move(out_);
    if (!references_.empty()) {
      text += text.empty() ? "" : "\n";
      for (std::size_t i = 0; i < references_.size(); ++i) {
        // Each URL alone on its line, whole: clients make it clickable (RFC 3986 App. C).
        text += fmt::format("[{}] {}\n", i + 1, references_[i]);
      }
    }
    return {std::move(text), has_markup_};
  }

private:
  void on_text(std::string_view text) {
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
  void append_char(std::string_view ch, bool control) {
    if (control) {
      inline_ += ' ';
    } else if (ch.empty()) {
      inline_ += utf8::replacement;
    } else {
      inline_ += ch;
    }
  }

  void on_start(const Token& token) {
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

  void on_end(std::string_view name) {
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
  static Break break_for(std::string_view name, bool outermost_list) {
    if (is_line(name) || ((name == "ul" || name == "ol") && !outermost_list)) {
      return Break::line;
    }
    return Break::blank;
  }

  static std::string attribute(const Token& token, std::string_view name) {
    for (const auto& [key, value] : token.attrs) {
      if (key == name) {
        return value;
      }
    }
    return {};
  }

  static bool has_attribute(const Token& token, std::string_view name) {
    return std::any_of(token.attrs.begin(), token.attrs.end(),
                       [&](const auto& a) { return a.first == name; });
  }

  void on_image(const Token& token) {
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
  void on_video_link(const Token& token) {
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

  void close_link() {
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

  void block_boundary(Break kind) {
    if (!link_href_.empty()) {
      close_link(); // an unclosed <a> ends with its block
    }
    flush();
    pending_break_ = std::max(pending_break_, kind);
  }

  std::string quote_prefix(int depth) const {
    std::string prefix;
    for (int i = 0; i < depth; ++i) {
      prefix += "> ";
    }
    return prefix;
  }

  // The prefixes of the paragraph's first and following lines: quote marks, then the
  // indentation of enclosing lists, then the pending item marker (hanging indent).
  std::pair<std::string, std::string> prefixes() {
    std::string first = quote_prefix(quote_);
    std::string rest = first;
    for (std::size_t i = 0; i < lists_.size(); ++i) {
      ListLevel& level = lists_[i];
      const std::string pad(utf8::width(level.marker.empty() ? "\xE2\x80\xA2 " : level.marker),
                            ' ');
      const bool innermost = i + 1 == lists_.size();
      if (innermost && level.marker_pending) {
        first += level.marker;
        level.marker_pending = false;
      } else {
        first += pad;
      }
      rest += pad;
    }
    if (pre_ > 0) {
      first += "    ";
      rest += "    ";
    }
    return {first, rest};
  }

  void emit_break() {
    if (pending_break_ == Break::blank && !out_.empty() && !last_line_blank_) {
      // The blank line between two quote depths belongs to the shallower one.
      std::string blank = quote_prefix(std::min(quote_, last_quote_));
      while (!blank.empty() && blank.back() == ' ') {
        blank.pop_back();
      }
      out_ += blank;
      out_ += '\n';
      last_line_blank_ = true;
    }
    pending_break_ = Break::none;
  }

  static bool blank_text(std::string_view text) {
    // Spaces, line breaks and no-break spaces (U+00A0) show nothing.
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == ' ' || text[i] == '\n' || text[i] == '\t') {
        continue;
      }
      if (text.substr(i, 2) == "\xC2\xA0") {
        ++i;
        continue;
      }
      return false;
    }
    return true;
  }

  void flush() {
    // Swapped, not moved: both buffers keep their capacity from paragraph to paragraph.
    std::string& text = flushing_;
    text.swap(inline_);
    inline_.clear();
    pending_space_ = false;
    link_start_ = 0;
    if (blank_text(text)) {
      return;
    }
    emit_break();
    last_quote_ = quote_;
    auto [first, rest] = prefixes();
    if (pre_ > 0) {
      flush_verbatim(text, first, rest);
    } else {
      flush_wrapped(text, first, rest);
    }
  }

  void end_line() {
    out_ += '\n';
    last_line_blank_ = false;
  }

  void flush_verbatim(std::string_view text, const std::string& first, const std::string& rest) {
    while (!text.empty() && text.front() == '\n') {
      text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
      text.remove_suffix(1);
    }
    bool is_first = true;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      const std::size_t line_start = out_.size();
      out_ += is_first ? first : rest;
      out_ += text.substr(pos, end - pos);
      while (out_.size() > line_start && out_.back() == ' ') {
        out_.pop_back();
      }
      end_line();
      is_first = false;
      pos = end + 1;
    }
  }

  // Greedy filling; a word longer than the line gets a line of its own and is never split.
  void flush_wrapped(std::string_view text, const std::string& first, const std::string& rest) {
    const std::size_t first_width = utf8::width(first);
    const std::size_t rest_width = utf8::width(rest);
    bool is_first = true;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      const std::string_view segment = text.substr(pos, end - pos);
      pos = end + 1;
      bool line_open = false;
      std::size_t column = 0;
      std::size_t word_pos = 0;
      while (word_pos < segment.size()) {
        const std::size_t space = std::min(segment.find(' ', word_pos), segment.size());
        const std::string_view word = segment.substr(word_pos, space - word_pos);
        word_pos = space + 1;
        if (word.empty()) {
          continue;
        }
        const std::size_t word_width = utf8::width(word);
        if (!line_open) {
          out_ += is_first ? first : rest;
          column = is_first ? first_width : rest_width;
          is_first = false;
          line_open = true;
        } else if (column + 1 + word_width > width_) {
          end_line();
          out_ += rest;
          column = rest_width;
        } else {
          out_ += ' ';
          ++column;
        }
        out_ += word;
        column += word_width;
      }
      if (line_open) {
        end_line();
      }
    }
  }

  std::size_t width_;
  std::string out_;
  bool last_line_blank_ = false;
  std::string inline_;
  std::string flushing_; // the paragraph flush() is writing out
  bool pending_space_ = false;
  Break pending_break_ = Break::none;
  int quote_ = 0;
  int last_quote_ = 0; // quote depth of the last paragraph written
  int pre_ = 0;
  int hidden_ = 0;
  std::vector<ListLevel> lists_;
  std::string link_href_;
  std::size_t link_start_ = 0;
  std::vector<std::string> references_;
  std::map<std::string, std::size_t> reference_numbers_;
  bool has_markup_ = false;
  bool in_video_link_ = false; // inside <a data-feedpop-video>: its content is not text
};

} // namespace

TextRendering html_to_text(std::string_view html, std::size_t width) {
  TextWriter writer(width);
  feeds::html::tokenize(html, [&writer](const Token& token) { writer.on_token(token); });
  return writer.finish();
}

} // namespace feedpop::mail
