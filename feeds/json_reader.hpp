#pragma once
// A JSON reader (RFC 8259) producing nlohmann::json values (internal to feeds/). It accepts
// and refuses exactly what nlohmann::json::parse(..., allow_exceptions=false) does and builds
// the same value, several times faster: nlohmann's lexer copies every byte into an
// error-reporting buffer, which was most of the cost of parsing a JSON feed.

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace feedpop::feeds::json {

// The value of `doc`; std::nullopt where nlohmann reports a parse error, and for nesting
// deeper than 256 arrays and objects (anywhere in `doc`, even after a NUL byte, which ends
// the document for nlohmann). `doc` must be valid UTF-8 (utf8::is_valid), as feeds are once
// decoded; the reader does not check it again.
std::optional<nlohmann::json> read_json(std::string_view doc);

} // namespace feedpop::feeds::json
