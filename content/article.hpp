#pragma once
// Full-article extraction: the readable part of a web page, as a reader view shows it.
// Our own implementation of the Readability approach on libxml2's HTML parser: text
// blocks are scored by length, commas and class/id hints, their ancestors inherit the
// score, link-heavy blocks are penalised; the best block and its qualifying siblings are
// kept and cleaned (forms, share widgets, navigation, empty nodes). A per-feed XPath
// selector replaces the scoring for sites where it fails.
//
// extract() is a pure function of its arguments: no I/O, no global state beyond libxml2's
// (initialised once, thread-safe), callable from any thread. Input is bounded (size and
// nesting depth below); it never throws for bad HTML: failure is a value.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedpop::content {

struct ExtractOptions {
  // XPath 1.0 expression selecting the article element(s) (per-feed `content_selector`);
  // when set, scoring is skipped and the matched elements, in document order, are the
  // article.
  std::optional<std::string> xpath;
  // Selectors of `strip` rules (content/rules.hpp) applied to the page as it is published,
  // before anything else: extraction renames and unwraps elements (a <div> of text becomes
  // a <p>, a <div> around one <p> gives way to it), so a selector written against the
  // page's source would no longer match the article. Removing ads and comments first also
  // keeps them from being scored. Selectors that do not parse are ignored.
  std::vector<std::string> strip;
  std::size_t max_input_bytes = 5 * 1024 * 1024; // larger pages are refused
  int max_depth = 256;                           // deeper elements are flattened to text
};

struct Article {
  std::string title;   // without a site-name suffix; may be empty
  std::string byline;  // author, may be empty
  std::string excerpt; // meta description, else the first paragraph
  std::string lang;    // <html lang>, may be empty
  std::string content; // sanitised HTML (feeds::html::sanitize), URLs absolute
  std::string text;    // plain text of content, one paragraph per line
  // Per ExtractOptions::strip: the elements removed from the page (the outermost matches;
  // the page's, not only the article's).
  std::vector<std::size_t> stripped;
};

struct ExtractFailed {
  std::string reason; // e.g. "no article found", "input larger than 5242880 bytes"
};

using ExtractResult = std::variant<Article, ExtractFailed>;

// base_url: the page's final URL (after redirects); a <base href> in the page applies on
// top of it. Relative links and image sources in the result are resolved against that.
ExtractResult extract(std::string_view html, std::string_view base_url,
                      const ExtractOptions& options = {});

} // namespace feedpop::content
