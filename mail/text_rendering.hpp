#pragma once
// HTML → the text/plain alternative (RFC 2046 §5.1.4), built on feeds::html::tokenize:
// paragraphs separated by blank lines, headings as their own paragraphs, lists with "•"
// or "1." markers and hanging indents, block quotes prefixed "> " (the mail convention),
// code blocks kept verbatim and indented, links as numbered references listed at the end.
// No Markdown markers. Words are never split, so a URL is never wrapped or broken.
// Pure and deterministic. Output lines end in "\n"; the text is valid UTF-8.

#include <cstddef>
#include <string>
#include <string_view>

namespace feedpop::mail {

struct TextRendering {
  std::string text;        // empty when the HTML holds no visible text
  bool has_markup = false; // any element at all: false means the source was plain text
};

TextRendering html_to_text(std::string_view html, std::size_t width = 72);

} // namespace feedpop::mail
