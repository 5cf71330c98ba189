#pragma once
// RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 documents (UTF-8, already repaired) → Feed
// (internal to feeds/; feeds::parse is the public entry point).
//
// One tree walk serves every XML format, because real feeds mix them (Atom links in RSS,
// Dublin Core everywhere) and because feedparser, whose reading we reproduce, is
// element-driven: an <item> or <entry> anywhere starts an entry, a <title> means what
// its context says. Namespaces are resolved to feedparser's canonical prefixes.

#include <string>

#include "feeds/parse.hpp"

namespace feedpop::feeds::xml {

struct Limits {
  std::size_t max_depth = 256;     // deeper elements are skipped (bozo)
  std::size_t max_entries = 20000; // later entries are dropped (bozo)
};

// `utf8` is parsed in place (pugixml). `bozo` carries earlier repairs; parse errors are
// added to it. A document with no element at all is a ParseError.
ParseResult parse_document(std::string& utf8, const ParseOptions& options, std::string bozo,
                           bool utf8_declared, const Limits& limits = {});

} // namespace feedpop::feeds::xml
