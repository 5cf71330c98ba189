#pragma once
// schema.org metadata in <script type="application/ld+json">: an article's headline,
// authors and description, which publishers state more exactly than their <title>.
// Internal to content/.

#include <libxml/tree.h>

#include <string>

namespace feedpop::content {

struct LinkedData {
  std::string title;
  std::string byline;
  std::string excerpt;
};

// The first schema.org article object (Article, NewsArticle, BlogPosting, ... also inside
// an array or "@graph"). page_title (the <title> headline) picks between "name" and
// "headline" when both are given and differ. Malformed JSON is ignored.
LinkedData read_linked_data(xmlNode* root, const std::string& page_title);

} // namespace feedpop::content
