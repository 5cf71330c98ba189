#pragma once
// What a page says about itself: title (without the site-name suffix), author,
// description, language and <base href>. Read from the untouched document. Internal.

#include <libxml/tree.h>

#include <string>

namespace feedpop::content {

struct Metadata {
  std::string title;
  std::string byline;
  std::string excerpt;
  std::string lang;
  std::string base_href; // as written in <base href>, unresolved
};

Metadata read_metadata(xmlDoc* doc);

// The <title> text with a site name removed ("Story – Site" → "Story"), falling back to
// the page's only <h1> when the title is too short or too long to be the headline.
std::string headline_from_title(xmlNode* root, const std::string& title);

// How much of b's words appear in a (0..1, by word length): "is this heading the title".
double title_similarity(const std::string& a, const std::string& b);

} // namespace feedpop::content
