#pragma once
// The CSS-like selectors of `strip` rules (content/rules.hpp), internal to content/:
//   selector  := complex ( "," complex )*
//   complex   := compound ( whitespace compound )*        (descendant combinator only)
//   compound  := ( name | "*" )? ( "." class | "#" id )*  (at least one part)
// Element names match ignoring case (libxml2's HTML parser lower-cases them); classes and
// ids match exactly, as in an HTML document in standards mode. Matching walks ancestors
// iteratively: a descendant-only chain is matched correctly by taking, for each step, the
// nearest ancestor that fits, so the cost is (depth × steps) per element.

#include <libxml/tree.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedpop::content {

struct Compound {
  std::string name; // lower case; "" = any element
  std::vector<std::string> classes;
  std::string id;
};

// One comma-separated alternative: compounds from the outermost ancestor to the subject.
using ComplexSelector = std::vector<Compound>;

struct Selector {
  std::vector<ComplexSelector> alternatives;
};

struct SelectorParseError {
  std::size_t offset = 0;
  std::string message;
};

std::variant<Selector, SelectorParseError> parse_selector(std::string_view text);

bool matches(const Selector& selector, const xmlNode* element);

} // namespace feedpop::content
