#pragma once
// Images as a reader sees them: lazy-loading attributes (data-src, data-lazy-src,
// data-srcset...) become real src/srcset, <noscript> fallbacks replace their scripted
// placeholders, srcset picks the image shown (content/srcset.hpp), and every image URL is
// resolved against the page's base. Internal.

#include <libxml/tree.h>

#include <string>

namespace feedpop::content {

// Before scoring (the <noscript> elements are removed afterwards with the scripts).
void reveal_lazy_images(xmlNode* root);

// Resolves src, srcset and href in the article against base (the page URL with <base>).
void resolve_urls(xmlNode* article, const std::string& base);

} // namespace feedpop::content
