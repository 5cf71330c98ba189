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
// resolve(base, ref) into `out` (replacing its content; its buffer is reused).
void resolve_into(std::string& out, std::string_view base, std::string_view ref);

// Where a URL is written into a delivered message.
enum class Use { link, image };

// The scheme of `url` as a browser reads it, lower case, or "" for a relative reference.
// Browsers drop tabs and newlines anywhere in a URL and control characters and spaces
// around it ("java\tscript:" is javascript:), so every byte <= 0x20 is ignored here.
std::string scheme_of(std::string_view url);

// True when `url` (already resolved: check the URL that is written, never the raw value)
// has a scheme a message may carry: http, https or mailto; for an image source also cid:
// (an inline part) and data:image/. A relative reference (no scheme) is false here.
bool has_safe_scheme(std::string_view url, Use use = Use::link);

// has_safe_scheme(url, use), or a relative reference: what the sanitiser may keep.
bool is_safe(std::string_view url, Use use = Use::link);

} // namespace feedpop::feeds::url
