// Fuzzes the article extractor (libxml2's HTML parser, scoring, cleaning, lazy images,
// URL resolution, sanitising): any bytes in, no crash, leak or UB, bounded time and
// memory. Input beyond 256 KiB is cut (the extractor's own 5 MB cap is tested in
// tests/content; libxml2's depth limit of 256 bounds nesting). The first byte, when it
// is '/', makes the first line an XPath selector, so the selector path is fuzzed too; when
// it is '!', the rest of the first line is a `strip` selector applied to the page first.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "content/article.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() > 256 * 1024) {
    input = input.substr(0, 256 * 1024);
  }
  feedpop::content::ExtractOptions options;
  if (input.starts_with("/")) {
    const std::size_t eol = input.find('\n');
    options.xpath = std::string(input.substr(0, std::min<std::size_t>(eol, 200)));
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  } else if (input.starts_with("!")) {
    const std::size_t eol = input.find('\n');
    options.strip.emplace_back(input.substr(1, std::min<std::size_t>(eol, 200) - 1));
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  }
  const auto result =
      feedpop::content::extract(input, "https://example.com/news/story.html", options);
  if (const auto* article = std::get_if<feedpop::content::Article>(&result)) {
    // The content went through the feed sanitiser: no script element survives.
    if (article->content.find("<script") != std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
