#pragma once
// URL reference resolution (RFC 3986 §5.2) for links and for URLs inside feed content.
// Pure string functions; no normalisation beyond what §5.2 requires.

#include <string>
#include <string_view>

namespace feedpop::feeds::url {

// True when `ref` has a scheme (RFC 3986 §3.1), e.g. "http:", "mailto:".
bool has_scheme(std::string_view ref);

// Resolves `ref` against `base` (RFC 3986 §5.2.2, with §5.2.4 dot-segment removal).
// An empty base leaves `ref` as written (trimmed); a relative base is merged as Python's
// urljoin does (feedparser resolves relative xml:base values that way).
std::string resolve(std::string_view base, std::string_view ref);

} // namespace feedpop::feeds::url
