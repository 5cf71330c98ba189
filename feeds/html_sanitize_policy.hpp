#pragma once
// What html::sanitize keeps (internal to feeds/): the allowed elements, the elements
// dropped with their content, void elements, and the rules for attributes, styles and
// tracking images. html_sanitize.cpp applies them to the token stream.

#include <cstdint>
#include <string_view>

namespace feedpop::feeds::html::policy {

struct ElementRule {
  std::string_view name;
  bool allowed = false;       // written out (with its safe attributes)
  bool is_void = false;       // never has content or an end tag
  bool drops_content = false; // script-like: dropped with everything inside it
};

// Elements are named by their index in one table sorted by name (a byte: an open element
// is a byte on the sanitiser's stack). Names that none of the rules list are kUnlisted.
inline constexpr std::uint8_t kUnlisted = 255;

// The index of `name` (lower case), or kUnlisted.
std::uint8_t element_index(std::string_view name);
// The rule of a listed element (index != kUnlisted).
const ElementRule& element_rule(std::uint8_t index);

// What happens to an attribute (lower-case name) of a kept element.
enum class AttributeRule : std::uint8_t {
  keep,
  drop,  // event handlers (on*), srcset, formaction, xmlns, form, ping, dynsrc, and names
         // with ':', a quote or '<'
  url,   // href, src, cite, action, background, longdesc, poster, usemap, lowsrc: resolved
         // against the base and checked for unsafe schemes
  style, // dropped when unsafe_style()
};
AttributeRule attribute_rule(std::string_view name);

// A style value that could fetch anything (url(), image-set(), expression(), CSS escapes).
bool unsafe_style(std::string_view value);

// An image URL (resolved) on a host that serves only tracking images.
bool is_tracker(std::string_view resolved_src);

// A width or height of 0 or 1 ("1", "0px"): an image nobody is meant to see.
bool tiny(std::string_view dimension);

} // namespace feedpop::feeds::html::policy
