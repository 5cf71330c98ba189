#pragma once
// Lookup in the HTML named character reference table (internal to feeds/).

#include <optional>
#include <string_view>

namespace feedpop::feeds::html {

// `name` without '&' and ';' (e.g. "eacute"); the UTF-8 text it stands for.
std::optional<std::string_view> lookup_entity(std::string_view name);

// True for the few names HTML recognises without the trailing ';' (e.g. "amp", "nbsp").
bool is_legacy_entity(std::string_view name);

} // namespace feedpop::feeds::html
