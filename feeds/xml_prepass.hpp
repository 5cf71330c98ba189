#pragma once
// Repairs the lexical faults real feeds carry before they reach the XML parser, the way
// feedparser's loose parser reads them (internal to feeds/):
//  - named references undefined in XML (&nbsp; &eacute;) become numeric references
//    (the HTML named-entity table); unknown names and stray '&' become literal text;
//  - numeric references to what XML text cannot hold (U+0000, surrogates, values above
//    U+10FFFF) become references to U+FFFD, so the parser's output is always UTF-8;
//  - characters XML 1.0 §2.2 forbids (C0 controls but TAB, LF, CR) are removed;
//  - C1 controls (U+0080–U+009F) are read as the windows-1252 characters they almost
//    always are (as feedparser does);
//  - the DOCTYPE is removed, so no DTD, internal subset or external entity is ever read
//    (billion laughs costs one scan).
// CDATA sections and comments are left untouched.

#include <string>
#include <string_view>

namespace feedpop::feeds::xml {

// Rewrites `doc` (UTF-8) in place; returns a description of what was repaired, empty when
// the document needed nothing.
std::string repair_lexical_faults(std::string& doc);

// The end (one past its '>') of the DOCTYPE declaration at doc[i] ("<!DOCTYPE"), internal
// subset and quoted strings included; std::string_view::npos when it is not terminated.
std::size_t doctype_end(std::string_view doc, std::size_t i);

} // namespace feedpop::feeds::xml
