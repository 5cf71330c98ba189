#pragma once
// Content-Transfer-Encoding for text parts (RFC 2045 §6): quoted-printable or base64,
// whichever is smaller, so every body line is short (≤ 76 octets) and 7-bit. Input text
// uses "\n" (or CRLF) line ends; output uses CRLF only. Pure functions.

#include <string>
#include <string_view>

namespace feedpop::mail {

struct EncodedBody {
  std::string_view transfer_encoding; // "quoted-printable" or "base64"
  std::string text;                   // CRLF lines, ending in CRLF
};

// RFC 2045 §6.7. Lines starting "From " get their F encoded so mbox tools never mangle
// them; trailing white space is encoded; soft breaks never split an =XX escape.
std::string quoted_printable(std::string_view text);

// RFC 2045 §6.8 over the canonical (CRLF) form of the text, 76 characters a line.
std::string base64_body(std::string_view text);

EncodedBody encode_text(std::string_view text);

} // namespace feedpop::mail
