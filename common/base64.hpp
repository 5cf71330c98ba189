#pragma once
// Base64 (RFC 4648 §4, the standard alphabet with "=" padding) on OpenSSL's EVP coder:
// the one implementation every module uses (SASL, Atom mode="base64", MIME bodies and
// RFC 2047 encoded-words).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace feedpop::base64 {

// Padded, no line breaks.
std::string encode(std::string_view bytes);

// The encoded length of `bytes` input bytes (padded, no line breaks).
constexpr std::size_t encoded_size(std::size_t bytes) {
  return (bytes + 2) / 3 * 4;
}

// RFC 2045 §6.8: lines of `line_len` characters (a multiple of 4, at most 76 for MIME),
// each ending in CRLF, the last one too. Empty input gives an empty string.
std::string encode_lines(std::string_view bytes, std::size_t line_len = 76);

// The size encode_lines() returns, without encoding.
std::size_t encoded_lines_size(std::size_t bytes, std::size_t line_len = 76);

// Strict RFC 4648 (what SASL, RFC 4422 §3.4 / RFC 5802, requires): only alphabet
// characters, a length that is a multiple of 4, and "=" only as the one or two final
// padding characters. Anything else is std::nullopt. "" decodes to "".
std::optional<std::string> decode(std::string_view text);

// As decode(), after skipping ASCII white space (space, tab, CR, LF, FF, VT) anywhere:
// for base64 that arrives wrapped, such as Atom's mode="base64" content.
std::optional<std::string> decode_lenient(std::string_view text);

} // namespace feedpop::base64
