#pragma once
// Tracking parameters (utm_*, fbclid, gclid, ...) removed from links: they identify the
// reader to the site and its advertisers and change nothing in the page.
//
// strip_tracking() parses the URL with libcurl's URL API (curl_url); a URL it cannot parse,
// or one without tracking parameters, comes back byte for byte unchanged. Pure functions,
// callable from any thread.

#include <string>
#include <string_view>

namespace feedpop::content {

// `name` (a query parameter's name, as written) is a known tracking parameter.
bool is_tracking_parameter(std::string_view name);

// `url` without its tracking query parameters; the other parameters keep their order.
std::string strip_tracking(std::string_view url);

// Every href and src attribute value of sanitised HTML (double-quoted, `&` written as
// `&amp;`, as feeds::html::sanitize writes them) passed through strip_tracking().
std::string strip_tracking_links(std::string_view html);

} // namespace feedpop::content
