#pragma once
// A small MIME reader (RFC 2045, RFC 2046, RFC 2047) for the control mail users send to
// feedpop: it finds the header fields the reply needs, the first text/plain body and any
// OPML attachment, decoding quoted-printable and base64. Pure functions; never throws on
// input; bounded (nesting depth, part count) so hostile mail costs linear time.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedpop::smtp::mime {

struct Header {
  std::string name;  // as sent
  std::string value; // unfolded (RFC 5322 §2.2.3), not decoded
};

struct Entity {
  std::vector<Header> headers;
  std::string_view body; // raw, still transfer-encoded
  // The first field named `name` (ASCII case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Splits header section and body at the first empty line (CRLF or LF line ends).
Entity parse_entity(std::string_view text);

// "text/plain; charset=utf-8; format=flowed" → type "text/plain" (lower case) and the
// parameters (names lower case; quotes removed; RFC 2231 "name*" values reduced to the
// value after the language part).
struct ContentType {
  std::string type = "text/plain"; // RFC 2045 §5.2 default
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<std::string_view> param(std::string_view name) const;
};
ContentType parse_content_type(std::string_view value);

// The body decoded per Content-Transfer-Encoding (7bit/8bit/binary as is, quoted-printable,
// base64 ignoring white space; undecodable base64 gives nullopt).
std::optional<std::string> decode_body(const Entity& entity);

// RFC 2047 encoded-words (=?charset?Q|B?text?=) decoded to their octets; everything else
// as is. The charset is not converted (commands are ASCII).
std::string decode_words(std::string_view value);

struct Parts {
  std::optional<std::string> text;      // the first text/plain part that is not an attachment
  bool flowed = false;                  // that part is format=flowed (RFC 3676)
  bool delsp = false;                   // ... with DelSp=yes
  std::optional<std::string> opml;      // the first OPML attachment, decoded
  std::optional<std::string> opml_name; // its file name, if given
};
// Walks the message's MIME tree (multipart/* up to a depth of 8 and 100 parts).
Parts find_parts(const Entity& message);

} // namespace feedpop::smtp::mime
