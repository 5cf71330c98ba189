#pragma once
// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) → Feed (internal to feeds/).

#include <optional>
#include <string_view>

#include "feeds/parse.hpp"

namespace feedpop::feeds::json {

// std::nullopt when `body` is not a JSON Feed (not JSON, not an object, or an object
// that is neither versioned as a JSON Feed nor an "items" array next to a bare version,
// title, feed_url or home_page_url — the leniency gofeed and NetNewsWire share).
std::optional<Feed> parse_json_feed(std::string_view body, const ParseOptions& options);

} // namespace feedpop::feeds::json
