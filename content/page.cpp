#include "content/page.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "common/ascii.hpp"
#include "content/dom.hpp"
#include "content/images.hpp"
#include "content/metadata.hpp"

namespace feedpop::content {

namespace {

bool whitespace_text(const xmlNode* n) {
  return n->type == XML_TEXT_NODE && ascii::trim(reinterpret_cast<const char*>(n->content)).empty();
}

xmlNode* next_significant(xmlNode* n) {
  while (n != nullptr && (whitespace_text(n) || n->type == XML_COMMENT_NODE)) {
    n = n->next;
  }
  return n;
}

bool phrasing_for_br(const xmlNode* n) {
  if (!dom::is_element(n)) {
    return true;
  }
  static const std::set<std::string_view> inline_tags{
      "a",   "abbr",  "b",      "bdi",      "bdo",    "cite", "code", "data",  "dfn",  "em",
      "i",   "img",   "kbd",    "mark",     "q",      "s",    "samp", "small", "span", "strong",
      "sub", "sup",   "time",   "u",        "var",    "wbr",  "font", "label", "abbr", "del",
      "ins", "input", "select", "textarea", "button", "math", "svg"};
  return inline_tags.count(dom::name(n)) != 0;
}

// <br><br> ends a paragraph: the following inline content becomes a <p>.
void replace_double_breaks(xmlNode* root) {
  std::set<const xmlNode*> removed; // freed as part of an earlier chain
  for (xmlNode* br : dom::all(root, "br")) {
    if (removed.count(br) != 0) {
      continue;
    }
    bool chain = false;
    for (xmlNode* next = next_significant(br->next); dom::is(next, "br");
         next = next_significant(br->next)) {
      chain = true;
      removed.insert(next);
      dom::remove(next);
    }
    if (!chain) {
      continue;
    }
    xmlNode* p = xmlNewDocNode(br->doc, nullptr, reinterpret_cast<const xmlChar*>("p"), nullptr);
    xmlReplaceNode(br, p);
    xmlFreeNode(br);
    for (xmlNode* next = p->next; next != nullptr;) {
      if (dom::is(next, "br")) {
        xmlNode* after = next_significant(next->next);
        if (dom::is(after, "br")) {
          break; // the next paragraph's own chain
        }
      }
      if (!phrasing_for_br(next)) {
        break;
      }
      xmlNode* following = next->next;
      xmlUnlinkNode(next);
      xmlAddChild(p, next);
      next = following;
    }
    while (p->last != nullptr && whitespace_text(p->last)) {
      dom::remove(p->last);
    }
    if (dom::is(p->parent, "p")) {
      dom::rename(p->parent, "div");
    }
  }
}

void append_text(const xmlNode* n, std::string& out) {
  static const std::set<std::string_view> blocks{
      "p",  "div", "section", "article",    "h1",     "h2",    "h3",     "h4",         "h5",
      "h6", "li",  "pre",     "blockquote", "tr",     "table", "figure", "figcaption", "ul",
      "ol", "dl",  "dt",      "dd",         "header", "main",  "hr"};
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      for (const char* s = reinterpret_cast<const char*>(c->content); s && *s; ++s) {
        if (ascii::is_space(*s)) {
          if (!out.empty() && out.back() != ' ' && out.back() != '\n') {
            out += ' ';
          }
        } else {
          out += *s;
        }
      }
    } else if (dom::is_element(c)) {
      const bool block = blocks.count(dom::name(c)) != 0;
      if (dom::is(c, "br") || block) {
        while (!out.empty() && out.back() == ' ') {
          out.pop_back();
        }
        if (!out.empty() && out.back() != '\n') {
          out += '\n';
        }
      }
      append_text(c, out);
      if (block) {
        while (!out.empty() && out.back() == ' ') {
          out.pop_back();
        }
        if (!out.empty() && !out.ends_with("\n\n")) {
          out += out.back() == '\n' ? "\n" : "\n\n";
        }
      }
    }
  }
}

} // namespace

void prepare_page(xmlNode* root) {
  reveal_lazy_images(root);
  for (const char* tag : {"script", "noscript", "style", "template", "link"}) {
    dom::remove_all(root, tag);
  }
  replace_double_breaks(root);
  for (xmlNode* font : dom::all(root, "font")) {
    dom::rename(font, "span");
  }
}

void remove_title_heading(xmlNode* body, const std::string& title) {
  if (title.empty()) {
    return;
  }
  for (xmlNode* n = body; n != nullptr;) {
    if (dom::is(n, "h1") || dom::is(n, "h2")) {
      if (title_similarity(title, dom::text(n)) > 0.75) {
        dom::remove(n);
        return;
      }
    }
    if (n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != body && n->next == nullptr) {
      n = n->parent;
    }
    n = n == body ? nullptr : n->next;
  }
}

std::string plain_text(const xmlNode* article) {
  std::string out;
  append_text(article, out);
  while (!out.empty() && ascii::is_space(out.back())) {
    out.pop_back();
  }
  return out;
}

std::string first_paragraph(xmlNode* article) {
  for (xmlNode* p : dom::all(article, "p")) {
    std::string t = dom::text(p);
    if (!t.empty()) {
      return t;
    }
  }
  return {};
}

} // namespace feedpop::content
