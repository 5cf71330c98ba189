#pragma once
// Base64 (RFC 4648 §4) decoding for Atom 0.3 mode="base64" content (internal to feeds/).

#include <optional>
#include <string>
#include <string_view>

namespace feedpop::feeds::base64 {

// Whitespace is ignored; anything else outside the alphabet, or a result that is not
// UTF-8 text, makes it std::nullopt.
std::optional<std::string> decode(std::string_view text);

} // namespace feedpop::feeds::base64
