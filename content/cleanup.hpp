#pragma once
// Cleaning the selected article: forms, share widgets, asides, footers, link lists and
// empty nodes go; what remains is what a reader reads. Internal to content/.

#include <libxml/tree.h>

#include "content/scoring.hpp"

namespace feedpop::content {

void clean_article(xmlNode* article, const Flags& flags);

} // namespace feedpop::content
