#pragma once
// feeds::parse — a feed document's bytes → the normalised Feed (STYLE.md §6). Pure: no
// I/O, no globals; safe to call from any thread. Format is detected from the content,
// never from a file name or Content-Type. Hostile input is bounded (size, depth, entry
// count; no DTD or external entities). Malformed input is recovered where feedparser
// recovers it (Feed::bozo says why) and is otherwise a ParseError value, never a crash.

#include <string>
#include <string_view>
#include <variant>

#include "feeds/entry.hpp"

namespace feedpop::feeds {

struct ParseOptions {
  std::string base_url;     // the document's URL: resolves relative links (xml:base root)
  std::string content_type; // HTTP Content-Type, for its charset parameter
};

struct ParseError {
  std::string message; // e.g. "not a feed: HTML document", "XML error at offset 120: ..."
};

using ParseResult = std::variant<Feed, ParseError>;

// The XML parser works in place on a mutable UTF-8 buffer. Given the body by value
// (`std::string&&`), a UTF-8 document is parsed in that very buffer; from a string_view the
// body is copied first. Peak memory beyond the body itself: the XML tree (pugixml, which
// allocates it in 32 KiB pages) and the Feed being built.
ParseResult parse(std::string&& body, const ParseOptions& options = {});
ParseResult parse(std::string_view body, const ParseOptions& options = {});
inline ParseResult parse(const char* body, const ParseOptions& options = {}) {
  return parse(std::string_view(body), options);
}

const char* format_name(Format format); // "rss20", ... as in FEED_JSON.md; "null" for unknown

} // namespace feedpop::feeds
