#pragma once
// Helpers for feed text constructs (internal to feeds/): serialising mixed content,
// feedparser's "looks like HTML" guess for nominally plain RSS text, author strings.

#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>

namespace feedpop::feeds::text {

// The content of `node` as markup: text as is (escaped once `xhtml` is set), child
// elements written as tags without namespace prefixes. Sets `xhtml` when an element is
// met (the construct held inline markup, not escaped HTML). Depth-bounded.
std::string inner_markup(pugi::xml_node node, bool& xhtml, std::size_t max_depth);

// Direct character data of `node` (PCDATA and CDATA children).
std::string direct_text(pugi::xml_node node);

// feedparser's guess that nominally plain text is HTML: a close tag or an entity
// reference, and only known tags and entities.
bool looks_like_html(std::string_view s);

// Atom 1.0 xhtml: the single enclosing <div> is a wrapper, not content (RFC 4287 §3.1.1.3).
std::string strip_xhtml_div(std::string markup);

struct Person {
  std::optional<std::string> name, email;
};
// "jo@example.com (Jo Doe)", "Jo Doe <jo@example.com>", "Jo Doe": name and e-mail parts.
Person split_author(std::string_view raw);

// Entry titles are cut to this many bytes at parse time (at a character boundary): no
// real title comes near it, and filters and mail headers then never see megabytes.
inline constexpr std::size_t kMaxTitleBytes = 4096;

// `s` cut to at most `max_bytes`, never inside a UTF-8 sequence.
std::optional<std::string> capped(std::optional<std::string> s, std::size_t max_bytes);

// Trimmed copy; std::nullopt when nothing is left.
std::optional<std::string> clean(std::string_view s);
// `s` trimmed as clean() trims it, in place (empty when nothing is left).
void clean_in_place(std::string& s);

// Text that is UTF-8 read as Latin-1 and re-encoded ("Ã©" for "é") is repaired when the
// document was declared UTF-8 (feedparser does the same).
void fix_double_utf8(std::string& s);

} // namespace feedpop::feeds::text
