#pragma once
// A thin layer over libxml2's HTML tree for the article extractor: parsing with bounds,
// element names, attributes, class/id, visible text. Internal to content/.
//
// Ownership: HtmlDocument owns its xmlDoc; every xmlNode* handed out points into it and
// lives until the node is unlinked and freed (remove()) or the document is destroyed.
// Not thread-safe per document; separate documents may be used from separate threads.

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::content::dom {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using HtmlDocument = std::unique_ptr<xmlDoc, DocDeleter>;

// Parses with libxml2's recovering HTML parser (no network, no error output). The
// document's encoding comes from its BOM or <meta charset>, else UTF-8. Nesting deeper
// than max_depth is flattened (see parse()'s definition). Returns null only when libxml2
// produced no tree at all.
HtmlDocument parse(std::string_view html, int max_depth);

bool is_element(const xmlNode* n);
// Lower-case element name ("" for non-elements).
std::string_view name(const xmlNode* n);
bool is(const xmlNode* n, std::string_view tag);
bool is_heading(const xmlNode* n);

std::string attr(const xmlNode* n, const char* attribute);
bool has_attr(const xmlNode* n, const char* attribute);
void set_attr(xmlNode* n, const char* attribute, const std::string& value);
void remove_attr(xmlNode* n, const char* attribute);
// class and id joined by a space, lower case.
std::string class_and_id(const xmlNode* n);

xmlNode* first_element_child(const xmlNode* n);
xmlNode* next_element(const xmlNode* n);
int element_child_count(const xmlNode* n);
xmlNode* find_first(xmlNode* root, std::string_view tag);
// Every element named `tag` below root, in document order.
std::vector<xmlNode*> all(xmlNode* root, std::string_view tag);
// all(root, tag) in reverse: removing each in this order never touches a freed node
// (descendants come before their ancestors).
std::vector<xmlNode*> all_innermost_first(xmlNode* root, std::string_view tag);
// Removes every element named tag below root (nested ones included).
void remove_all(xmlNode* root, std::string_view tag);
bool has_ancestor(const xmlNode* n, std::string_view tag, int max_levels = 1000);

// Text with whitespace runs collapsed to one space, trimmed.
std::string text(const xmlNode* n);
// Length in code points of text(n), without building it.
std::size_t text_length(const xmlNode* n);
// Count of commas (ASCII and the common CJK/Arabic forms) in the node's text.
int comma_count(const xmlNode* n);

void remove(xmlNode* n);
void rename(xmlNode* n, const char* tag);
// Replaces n by its children.
void unwrap(xmlNode* n);

// The node and its descendants serialised as HTML (UTF-8).
std::string outer_html(xmlDoc* doc, xmlNode* n);

} // namespace feedpop::content::dom
