#pragma once
// UTF-8 helpers shared by the HTML and feed parsers (internal to feeds/).

#include <string>
#include <string_view>

namespace feedpop::feeds::utf8 {

// Appends the UTF-8 encoding of `cp`; surrogates and values above U+10FFFF become U+FFFD.
void append(std::string& out, char32_t cp);

// Length of the valid UTF-8 sequence at s[i], or 0 when the bytes there are not one
// (overlong forms, surrogates and values above U+10FFFF are invalid, RFC 3629 §3).
std::size_t valid_sequence_length(std::string_view s, std::size_t i);

// `s` with every invalid byte sequence replaced by U+FFFD (one per maximal bad subpart).
std::string repair(std::string_view s);

bool is_valid(std::string_view s);

} // namespace feedpop::feeds::utf8
