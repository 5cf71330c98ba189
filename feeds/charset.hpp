#pragma once
// Character set detection and conversion of feed documents to UTF-8 (internal to feeds/).
//
// Precedence follows feedparser (itself RFC 3023 / RFC 7303): the first candidate that
// decodes the whole document without error wins, tried in this order:
//   1. the HTTP charset for XML media types (for text/* without charset: us-ascii),
//      else the XML declaration's encoding, else UTF-8;
//   2. the XML declaration's encoding;  3. the byte order mark;
//   4. UTF-8;  5. windows-1252;  6. ISO-8859-2 (which decodes any byte).
// Conversion uses glibc iconv. The result is always valid UTF-8.

#include <string>
#include <string_view>

namespace feedpop::feeds::charset {

struct Decoded {
  std::string utf8;     // the document as UTF-8, BOM removed
  std::string encoding; // the encoding actually used, lower case
  std::string problem;  // non-empty when it is not the declared one (feedparser's bozo)
};

Decoded to_utf8(std::string_view body, std::string_view content_type);
// The same, taking the document over: when it is UTF-8 already it becomes Decoded::utf8
// without a copy (the BOM is removed in place).
Decoded to_utf8(std::string&& body, std::string_view content_type);

// Converts `bytes` from `encoding` with iconv; false when the encoding is unknown or the
// bytes are invalid in it (strict, no replacement).
bool convert(std::string_view bytes, std::string_view encoding, std::string& out);

} // namespace feedpop::feeds::charset
