#pragma once
// Whole-page preparation before scoring, and the text views of the result. Internal.

#include <libxml/tree.h>

#include <string>

namespace feedpop::content {

// Reveals lazy images, removes scripts, styles, <noscript>, <template>; turns runs of
// <br><br> into paragraphs and <font> into <span>.
void prepare_page(xmlNode* root);

// Removes the first <h1>/<h2> that repeats the article's title (it is the title, shown
// apart from the content).
void remove_title_heading(xmlNode* body, const std::string& title);

// The article as plain text: one paragraph per line, blank lines between blocks.
std::string plain_text(const xmlNode* article);

// Text of the first non-empty paragraph.
std::string first_paragraph(xmlNode* article);

} // namespace feedpop::content
