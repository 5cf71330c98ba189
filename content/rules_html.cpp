// strip and replace on a fragment of sanitised HTML, through libxml2's HTML parser.

#include <re2/re2.h>

#include "content/dom.hpp"
#include "content/rules_internal.hpp"

namespace feedpop::content {

namespace {

// Deeper elements are flattened to text by dom::parse; sanitised feed content is far
// shallower, so this only bounds hostile input.
constexpr int max_depth = 512;

// The node after n's subtree in document order below root (n's descendants skipped).
xmlNode* next_after(xmlNode* n, const xmlNode* root) {
  while (n != nullptr && n != root) {
    if (n->next != nullptr) {
      return n->next;
    }
    n = n->parent;
  }
  return nullptr;
}

xmlNode* next_in_order(xmlNode* n, const xmlNode* root) {
  return n->children != nullptr ? n->children : next_after(n, root);
}

// Text nodes hold decoded text; the serialiser escapes what the replacement brings in.
std::size_t replace(xmlNode* body, const RE2& pattern, const std::string& with) {
  std::size_t replaced = 0;
  for (xmlNode* n = body->children; n != nullptr; n = next_in_order(n, body)) {
    if (n->type != XML_TEXT_NODE || n->content == nullptr) {
      continue;
    }
    std::string text(reinterpret_cast<const char*>(n->content));
    const int count = RE2::GlobalReplace(&text, pattern, with);
    if (count > 0) {
      xmlNodeSetContentLen(n, reinterpret_cast<const xmlChar*>(text.data()),
                           static_cast<int>(text.size()));
      replaced += static_cast<std::size_t>(count);
    }
  }
  return replaced;
}

} // namespace

std::size_t strip(xmlNode* root, const Selector& selector) {
  std::size_t removed = 0;
  xmlNode* n = root->children;
  while (n != nullptr) {
    if (n->type == XML_ELEMENT_NODE && matches(selector, n)) {
      xmlNode* next = next_after(n, root);
      dom::remove(n);
      ++removed;
      n = next;
    } else {
      n = next_in_order(n, root);
    }
  }
  return removed;
}

void rewrite_html(std::string& html, const std::vector<HtmlRewrite>& steps,
                  std::vector<RewriteCount>& counts) {
  // Wrapped in <body> so that leading text stays where it is (the parser would otherwise
  // open an implied paragraph for it).
  const dom::HtmlDocument doc = dom::parse("<html><body>" + html + "</body></html>", max_depth);
  xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  xmlNode* body = root == nullptr ? nullptr : dom::find_first(root, "body");
  if (body == nullptr) {
    return;
  }
  bool changed = false;
  for (const HtmlRewrite& step : steps) {
    const std::size_t n = step.selector != nullptr
                              ? strip(body, *step.selector)
                              : replace(body, *step.pattern, *step.replacement);
    counts[step.slot].count += n;
    changed = changed || n > 0;
  }
  if (!changed) {
    return;
  }
  std::string out;
  for (xmlNode* c = body->children; c != nullptr; c = c->next) {
    out += dom::outer_html(doc.get(), c);
  }
  html = std::move(out);
}

} // namespace feedpop::content
