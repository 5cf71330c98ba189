// The extractor's first walk over <body>: what is removed before scoring and which
// elements get scored.
#include <array>

#include "common/ascii.hpp"
#include "content/dom.hpp"
#include "content/hints.hpp"
#include "content/scoring.hpp"

namespace feedpop::content {

namespace {

constexpr std::array<std::string_view, 9> scored_tags{"section", "h2", "h3", "h4", "h5",
                                                      "h6",      "p",  "td", "pre"};
// Elements that make a <div> more than a paragraph.
constexpr std::array<std::string_view, 9> block_tags{"blockquote", "dl",  "div",   "img", "ol",
                                                     "p",          "pre", "table", "ul"};
constexpr std::array<std::string_view, 37> phrasing_tags{
    "abbr",     "audio",    "b",    "bdo",      "br",     "button",   "cite",   "code",
    "data",     "datalist", "dfn",  "em",       "embed",  "i",        "img",    "input",
    "kbd",      "label",    "mark", "math",     "meter",  "noscript", "object", "output",
    "progress", "q",        "ruby", "samp",     "script", "select",   "small",  "span",
    "strong",   "sub",      "sup",  "textarea", "time"};

template <std::size_t N> bool in(std::string_view s, const std::array<std::string_view, N>& a) {
  for (std::string_view x : a) {
    if (x == s) {
      return true;
    }
  }
  return false;
}

bool visible(const xmlNode* n) {
  const std::string style = ascii::lower(dom::attr(n, "style"));
  auto squeezed = [&] {
    std::string s;
    for (char c : style) {
      if (c != ' ') {
        s += c;
      }
    }
    return s;
  }();
  if (squeezed.find("display:none") != std::string::npos ||
      squeezed.find("visibility:hidden") != std::string::npos) {
    return false;
  }
  if (dom::has_attr(n, "hidden")) {
    return false;
  }
  // Wikipedia marks its image fallbacks aria-hidden; they are the visible copy.
  return !(dom::attr(n, "aria-hidden") == "true" &&
           dom::attr(n, "class").find("fallback-image") == std::string::npos);
}

bool is_byline(const xmlNode* n, std::string_view class_id) {
  const std::string rel = dom::attr(n, "rel");
  const std::string itemprop = dom::attr(n, "itemprop");
  if (rel != "author" && itemprop.find("author") == std::string::npos && !hints::byline(class_id)) {
    return false;
  }
  const std::size_t length = dom::text_length(n);
  return length > 0 && length < 100;
}

bool has_block_descendant(xmlNode* n) {
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (dom::is_element(c) && (in(dom::name(c), block_tags) || has_block_descendant(c))) {
      return true;
    }
  }
  return false;
}

bool is_phrasing(xmlNode* n) {
  if (n->type == XML_TEXT_NODE) {
    return true;
  }
  if (!dom::is_element(n)) {
    return n->type == XML_COMMENT_NODE; // comments travel with the text around them
  }
  const std::string_view t = dom::name(n);
  if (in(t, phrasing_tags)) {
    return true;
  }
  if (t == "a" || t == "del" || t == "ins") {
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (!is_phrasing(c)) {
        return false;
      }
    }
    return true;
  }
  return false;
}

bool is_whitespace(const xmlNode* n) {
  if (n->type == XML_TEXT_NODE) {
    return ascii::trim(reinterpret_cast<const char*>(n->content)).empty();
  }
  return dom::is(n, "br");
}

bool without_content(const xmlNode* n) {
  if (dom::text_length(n) != 0) {
    return false;
  }
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (dom::is_element(c) && !dom::is(c, "br") && !dom::is(c, "hr")) {
      return false;
    }
  }
  return true;
}

// Groups each run of inline content directly inside a block <div> into a <p>.
void wrap_loose_text(xmlNode* div) {
  xmlNode* p = nullptr;
  for (xmlNode* c = div->children; c != nullptr;) {
    xmlNode* next = c->next;
    if (is_phrasing(c)) {
      if (p != nullptr) {
        xmlUnlinkNode(c);
        xmlAddChild(p, c);
      } else if (!is_whitespace(c)) {
        p = xmlNewDocNode(div->doc, nullptr, reinterpret_cast<const xmlChar*>("p"), nullptr);
        xmlAddPrevSibling(c, p);
        xmlUnlinkNode(c);
        xmlAddChild(p, c);
      }
    } else if (p != nullptr) {
      while (p->last != nullptr && is_whitespace(p->last)) {
        dom::remove(p->last);
      }
      p = nullptr;
    }
    c = next;
  }
}

// A <div> holding only one <p> (and whitespace) is that paragraph.
xmlNode* single_paragraph(xmlNode* div) {
  xmlNode* only = nullptr;
  for (xmlNode* c = div->children; c != nullptr; c = c->next) {
    if (dom::is_element(c)) {
      if (only != nullptr || !dom::is(c, "p")) {
        return nullptr;
      }
      only = c;
    } else if (c->type == XML_TEXT_NODE && !is_whitespace(c)) {
      return nullptr;
    }
  }
  return only;
}

// Next node in document order after n below root; into_children=false skips n's subtree
// (n is about to be removed).
xmlNode* following(xmlNode* n, const xmlNode* root, bool into_children) {
  if (into_children && n->children != nullptr) {
    return n->children;
  }
  while (n != nullptr && n != root) {
    if (n->next != nullptr) {
      return n->next;
    }
    n = n->parent;
  }
  return nullptr;
}

} // namespace

std::vector<xmlNode*> prepare_candidates(xmlNode* body, const Flags& flags, std::string& byline) {
  std::vector<xmlNode*> to_score;
  xmlNode* n = body;
  while (n != nullptr) {
    if (!dom::is_element(n)) {
      n = following(n, body, true);
      continue;
    }
    const std::string class_id = dom::class_and_id(n);
    const std::string_view tag = dom::name(n);
    bool drop = n != body && !visible(n);
    if (!drop && byline.empty() && n != body && is_byline(n, class_id)) {
      byline = dom::text(n);
      drop = true;
    }
    if (!drop && flags.strip_unlikely && n != body && tag != "a" && tag != "body") {
      drop = (hints::unlikely(class_id) && !hints::maybe_candidate(class_id) &&
              !dom::has_ancestor(n, "table") && !dom::has_ancestor(n, "code")) ||
             hints::unlikely_role(dom::attr(n, "role"));
    }
    if (!drop && (tag == "div" || tag == "section" || tag == "header" || dom::is_heading(n)) &&
        without_content(n)) {
      drop = true;
    }
    if (drop) {
      xmlNode* next = following(n, body, false);
      dom::remove(n);
      n = next;
      continue;
    }
    if (in(tag, scored_tags)) {
      to_score.push_back(n);
    }
    if (tag == "div") {
      if (xmlNode* p = single_paragraph(n); p != nullptr && link_density(n) < 0.25) {
        xmlUnlinkNode(p);
        xmlReplaceNode(n, p);
        xmlFreeNode(n);
        to_score.push_back(p);
        n = p;
      } else if (!has_block_descendant(n)) {
        dom::rename(n, "p");
        to_score.push_back(n);
      } else {
        wrap_loose_text(n);
      }
    }
    n = following(n, body, true);
  }
  return to_score;
}

} // namespace feedpop::content
