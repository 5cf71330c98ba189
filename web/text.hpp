#pragma once
// Text helpers of the web side: escaping for HTML/XML, application/x-www-form-urlencoded
// and query strings, Cookie headers. Pure functions, thread-safe; malformed input yields
// what can be read (a bad %-escape stays literal), never an exception.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedpop::web {

// & < > " ' as entities: safe in element content and in quoted attribute values, for
// HTML and XML alike.
std::string escape_html(std::string_view s);

// RFC 3986 percent-decoding; `plus_is_space` for form bodies and query strings
// (HTML §4.10.21.7 application/x-www-form-urlencoded).
std::string percent_decode(std::string_view s, bool plus_is_space);
std::string percent_encode(std::string_view s);

using Fields = std::vector<std::pair<std::string, std::string>>;
// "a=1&b=x+y" → {{"a","1"},{"b","x y"}}; the query part of a target the same way.
Fields parse_form(std::string_view body);
// The first value of `name`, if present.
std::optional<std::string> field(const Fields& fields, std::string_view name);

// RFC 6265 §5.4 Cookie header: "a=1; b=2". The first cookie named `name`.
std::optional<std::string> cookie(std::string_view header, std::string_view name);

// "2026-12-07 06:30 UTC".
std::string format_time(std::chrono::sys_seconds t);

} // namespace feedpop::web
