#pragma once
// Independent decoders for the mail tests: they undo what mail/ encodes, written from the
// RFCs rather than from mail/'s code, so a round trip proves the encoding.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::mail::test {

std::string decode_quoted_printable(std::string_view text); // RFC 2045 §6.7
std::string decode_base64(std::string_view text);           // RFC 2045 §6.8, ignores CRLF

// Unfolds a header field body (RFC 5322 §2.2.3) and decodes RFC 2047 encoded-words,
// dropping white space between adjacent encoded-words (§6.2).
std::string decode_unstructured(std::string_view field_body);

// Header fields of a message (first occurrence per name, raw folded body after "Name:").
std::map<std::string, std::string> header_fields(std::string_view message);

// Lines of a CRLF text, without their CRLF.
std::vector<std::string> crlf_lines(std::string_view text);

bool is_valid_utf8(std::string_view text);

} // namespace feedpop::mail::test
