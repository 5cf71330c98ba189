#include "mail/text_writer.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/utf8.hpp"

namespace feedpop::mail::text_detail {

TextRendering TextWriter::finish() {
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

void TextWriter::block_boundary(Break kind) {
  if (!link_href_.empty()) {
    close_link(); // an unclosed <a> ends with its block
  }
  flush();
  pending_break_ = std::max(pending_break_, kind);
}

std::string TextWriter::quote_prefix(int depth) const {
  std::string prefix;
  for (int i = 0; i < depth; ++i) {
    prefix += "> ";
  }
  return prefix;
}

// The prefixes of the paragraph's first and following lines: quote marks, then the
// indentation of enclosing lists, then the pending item marker (hanging indent).
std::pair<std::string, std::string> TextWriter::prefixes() {
  std::string first = quote_prefix(quote_);
  std::string rest = first;
  for (std::size_t i = 0; i < lists_.size(); ++i) {
    ListLevel& level = lists_[i];
    const std::string pad(utf8::width(level.marker.empty() ? "\xE2\x80\xA2 " : level.marker), ' ');
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

void TextWriter::emit_break() {
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

bool TextWriter::blank_text(std::string_view text) {
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

void TextWriter::flush() {
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

void TextWriter::end_line() {
  out_ += '\n';
  last_line_blank_ = false;
}

void TextWriter::flush_verbatim(std::string_view text, const std::string& first,
                                const std::string& rest) {
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
void TextWriter::flush_wrapped(std::string_view text, const std::string& first,
                               const std::string& rest) {
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

} // namespace feedpop::mail::text_detail
