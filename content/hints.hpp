#pragma once
// What class and id attributes say about an element: the keyword lists the extractor
// scores with. Matching is on lower-case substrings of "class id". Internal to content/.

#include <libxml/tree.h>

#include <string_view>

namespace feedpop::content::hints {

// Navigation, comments, sidebars, ads...: removed before scoring unless also a likely
// candidate ("article", "content", "main"...).
bool unlikely(std::string_view class_id);
bool maybe_candidate(std::string_view class_id);
// ARIA roles that are never the article (navigation, menus, dialogs, complementary).
bool unlikely_role(std::string_view role);
// +25 per positive hint, -25 per negative hint, for class and id separately.
int class_weight(const xmlNode* n);
// Author lines: "byline", "author", "dateline"...
bool byline(std::string_view class_id);
// Share/social widgets.
bool share(std::string_view class_id);
// Embeds from video sites worth keeping.
bool video_url(std::string_view url);

} // namespace feedpop::content::hints
