#include "content/dom.hpp"

#include <libxml/HTMLtree.h>
#include <libxml/xmlsave.h>

#include <algorithm>
#include <cstring>

#include "common/ascii.hpp"

namespace feedpop::content::dom {

namespace {

const char* as_chars(const xmlChar* s) {
  return reinterpret_cast<const char*>(s);
}
const xmlChar* as_xml(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

// True when the bytes are well-formed UTF-8 (RFC 3629 §4). Text in a legacy 8-bit or
// CJK encoding almost never is, so such a page is read as UTF-8 whatever its <meta>
// claims (pages re-saved as UTF-8 keep their old declaration); otherwise libxml2 follows
// the BOM or <meta charset>.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false; // continuation byte first, overlong C0/C1, or beyond U+10FFFF
    }
    if (s.size() - i <= extra) {
      return false; // truncated sequence
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        return false;
      }
    }
    i += extra + 1;
  }
  return true;
}

void ignore_error(void* /*ctx*/, const char* /*msg*/, ...) {}

// Next node in document order below root, iteratively (no recursion on hostile depth).
xmlNode* next_in_order(xmlNode* n, const xmlNode* root, bool descend = true) {
  if (descend && n->children != nullptr) {
    return n->children;
  }
  while (n != root) {
    if (n->next != nullptr) {
      return n->next;
    }
    n = n->parent;
  }
  return nullptr;
}

// Replaces every element deeper than max_depth by its text, so that later passes (which
// recurse) and serialisation stay within bounded stack.
void cap_depth(xmlNode* root, int max_depth) {
  int depth = 0;
  xmlNode* n = root->children;
  while (n != nullptr) {
    if (n->type == XML_ELEMENT_NODE && depth >= max_depth) {
      xmlChar* content = xmlNodeGetContent(n);
      xmlNode* replacement = xmlNewDocText(n->doc, content);
      xmlFree(content);
      xmlReplaceNode(n, replacement);
      xmlFreeNode(n);
      n = replacement;
    }
    if (n->children != nullptr) {
      ++depth;
      n = n->children;
      continue;
    }
    while (n != root && n->next == nullptr) {
      n = n->parent;
      --depth;
    }
    n = n == root ? nullptr : n->next;
  }
}

} // namespace

HtmlDocument parse(std::string_view html, int max_depth) {
  const int options =
      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET;
  // libxml2 reports encoding problems through its generic error handler (per thread)
  // even with HTML_PARSE_NOERROR; a page's flaws are not the program's errors.
  xmlSetGenericErrorFunc(nullptr, ignore_error);
  HtmlDocument doc(htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr,
                                  valid_utf8(html) ? "UTF-8" : nullptr, options));
  if (doc != nullptr && xmlDocGetRootElement(doc.get()) != nullptr) {
    cap_depth(xmlDocGetRootElement(doc.get()), max_depth);
  }
  return doc;
}

bool is_element(const xmlNode* n) {
  return n != nullptr && n->type == XML_ELEMENT_NODE;
}

std::string_view name(const xmlNode* n) {
  return is_element(n) && n->name != nullptr ? std::string_view(as_chars(n->name))
                                             : std::string_view();
}

bool is(const xmlNode* n, std::string_view tag) {
  return name(n) == tag;
}

bool is_heading(const xmlNode* n) {
  const std::string_view t = name(n);
  return t.size() == 2 && t[0] == 'h' && t[1] >= '1' && t[1] <= '6';
}

std::string attr(const xmlNode* n, const char* attribute) {
  if (!is_element(n)) {
    return {};
  }
  xmlChar* v = xmlGetProp(n, as_xml(attribute));
  if (v == nullptr) {
    return {};
  }
  std::string out(as_chars(v));
  xmlFree(v);
  return out;
}

bool has_attr(const xmlNode* n, const char* attribute) {
  return is_element(n) && xmlHasProp(n, as_xml(attribute)) != nullptr;
}

void set_attr(xmlNode* n, const char* attribute, const std::string& value) {
  xmlSetProp(n, as_xml(attribute), as_xml(value.c_str()));
}

void remove_attr(xmlNode* n, const char* attribute) {
  if (xmlAttr* a = xmlHasProp(n, as_xml(attribute)); a != nullptr) {
    xmlRemoveProp(a);
  }
}

std::string class_and_id(const xmlNode* n) {
  std::string out = attr(n, "class");
  out += ' ';
  out += attr(n, "id");
  for (char& c : out) {
    c = ascii::lower(c);
  }
  return out;
}

xmlNode* first_element_child(const xmlNode* n) {
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (is_element(c)) {
      return c;
    }
  }
  return nullptr;
}

xmlNode* next_element(const xmlNode* n) {
  for (xmlNode* c = n->next; c != nullptr; c = c->next) {
    if (is_element(c)) {
      return c;
    }
  }
  return nullptr;
}

int element_child_count(const xmlNode* n) {
  int count = 0;
  for (xmlNode* c = n->children; c != nullptr; c = c->next) {
    count += is_element(c) ? 1 : 0;
  }
  return count;
}

xmlNode* find_first(xmlNode* root, std::string_view tag) {
  for (xmlNode* n = root; n != nullptr; n = next_in_order(n, root)) {
    if (is(n, tag)) {
      return n;
    }
  }
  return nullptr;
}

std::vector<xmlNode*> all(xmlNode* root, std::string_view tag) {
  std::vector<xmlNode*> out;
  for (xmlNode* n = root->children; n != nullptr; n = next_in_order(n, root)) {
    if (is(n, tag)) {
      out.push_back(n);
    }
  }
  return out;
}

std::vector<xmlNode*> all_innermost_first(xmlNode* root, std::string_view tag) {
  std::vector<xmlNode*> out = all(root, tag);
  std::reverse(out.begin(), out.end());
  return out;
}

void remove_all(xmlNode* root, std::string_view tag) {
  for (xmlNode* n : all_innermost_first(root, tag)) {
    remove(n);
  }
}

bool has_ancestor(const xmlNode* n, std::string_view tag, int max_levels) {
  for (const xmlNode* p = n->parent; p != nullptr && max_levels-- > 0; p = p->parent) {
    if (is(p, tag)) {
      return true;
    }
  }
  return false;
}

namespace {

// Walks text nodes below n (skipping comments), calling f(text) in order.
template <typename F> void for_each_text(const xmlNode* root, F&& f) {
  auto* r = const_cast<xmlNode*>(root);
  if (root->type == XML_TEXT_NODE || root->type == XML_CDATA_SECTION_NODE) {
    f(std::string_view(as_chars(root->content)));
    return;
  }
  for (xmlNode* n = r->children; n != nullptr; n = next_in_order(n, r)) {
    if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content) {
      f(std::string_view(as_chars(n->content)));
    }
  }
}

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

} // namespace

std::string text(const xmlNode* n) {
  std::string out;
  bool pending_space = false;
  for_each_text(n, [&](std::string_view s) {
    for (unsigned char c : s) {
      if (is_space(c)) {
        pending_space = true;
        continue;
      }
      if (pending_space && !out.empty()) {
        out += ' ';
      }
      pending_space = false;
      out += static_cast<char>(c);
    }
  });
  return out;
}

std::size_t text_length(const xmlNode* n) {
  std::size_t length = 0;
  bool pending_space = false;
  for_each_text(n, [&](std::string_view s) {
    for (unsigned char c : s) {
      if (is_space(c)) {
        pending_space = true;
        continue;
      }
      if ((c & 0xC0) == 0x80) {
        continue; // UTF-8 continuation byte
      }
      length += pending_space && length > 0 ? 2 : 1;
      pending_space = false;
    }
  });
  return length;
}

int comma_count(const xmlNode* n) {
  int count = 0;
  for_each_text(n, [&](std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == ',') {
        ++count;
      } else if (s.substr(i, 3) == "\xEF\xBC\x8C" || s.substr(i, 3) == "\xE3\x80\x81" ||
                 s.substr(i, 2) == "\xD8\x8C") { // ， 、 ،
        ++count;
      }
    }
  });
  return count;
}

void remove(xmlNode* n) {
  xmlUnlinkNode(n);
  xmlFreeNode(n);
}

void rename(xmlNode* n, const char* tag) {
  xmlNodeSetName(n, as_xml(tag));
}

void unwrap(xmlNode* n) {
  xmlNode* parent = n->parent;
  if (parent == nullptr) {
    return;
  }
  while (n->children != nullptr) {
    xmlNode* c = n->children;
    xmlUnlinkNode(c);
    xmlAddPrevSibling(n, c);
  }
  remove(n);
}

std::string outer_html(xmlDoc* doc, xmlNode* n) {
  xmlOutputBuffer* out = xmlAllocOutputBuffer(nullptr);
  if (out == nullptr) {
    return {};
  }
  htmlNodeDumpFormatOutput(out, doc, n, "UTF-8", 0);
  xmlOutputBufferFlush(out);
  std::string result(as_chars(xmlOutputBufferGetContent(out)), xmlOutputBufferGetSize(out));
  xmlOutputBufferClose(out);
  return result;
}

} // namespace feedpop::content::dom
