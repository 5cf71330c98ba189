#pragma once
// content/rules.cpp's HTML rewriting (content/rules_html.cpp), also used by the article
// extraction (content/article.cpp). Internal to content/.

#include <cstddef>
#include <string>
#include <vector>

#include "content/rules.hpp"
#include "content/selector.hpp"

namespace re2 {
class RE2;
}

namespace feedpop::content {

// Removes from root's subtree the outermost elements the selector matches (their matching
// descendants go with them and are not counted); returns how many. root itself stays.
std::size_t strip(xmlNode* root, const Selector& selector);

// One strip (selector set) or replace (pattern and replacement set) step; `slot` is its
// index in the counts that rewrite_html adds to.
struct HtmlRewrite {
  std::size_t slot = 0;
  const Selector* selector = nullptr;
  const re2::RE2* pattern = nullptr;
  const std::string* replacement = nullptr;
};

// Applies the steps in order to sanitised HTML; rewrites `html` only when a step changed
// something (the bytes of an untouched fragment stay as the feed's sanitiser wrote them).
void rewrite_html(std::string& html, const std::vector<HtmlRewrite>& steps,
                  std::vector<RewriteCount>& counts);

} // namespace feedpop::content
