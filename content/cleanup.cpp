#include "content/cleanup.hpp"

#include <array>
#include <cmath>
#include <string>
#include <unordered_set>

#include "common/ascii.hpp"
#include "content/dom.hpp"
#include "content/hints.hpp"

namespace feedpop::content {

namespace {

bool keeps_video(xmlNode* n) {
  for (const char* a : {"src", "data", "href"}) {
    if (hints::video_url(dom::attr(n, a))) {
      return true;
    }
  }
  return false;
}

// Tables laid out for data (not page layout) are kept whatever their scores say.
bool data_table(xmlNode* table) {
  if (dom::attr(table, "role") == "presentation" || dom::attr(table, "datatable") == "0") {
    return false;
  }
  if (dom::has_attr(table, "summary") || dom::find_first(table, "caption") != nullptr ||
      dom::find_first(table, "thead") != nullptr || dom::find_first(table, "th") != nullptr ||
      dom::find_first(table, "tfoot") != nullptr || dom::find_first(table, "col") != nullptr) {
    return true;
  }
  if (!dom::all(table, "table").empty()) {
    return false; // layout tables nest
  }
  const std::size_t rows = dom::all(table, "tr").size();
  std::size_t columns = 0;
  for (xmlNode* tr : dom::all(table, "tr")) {
    columns = std::max(columns, dom::all(tr, "td").size());
  }
  return rows >= 10 || columns > 4 || rows * columns > 10;
}

// Every data table of the article, judged once: a node is tested against its enclosing
// tables many times, and judging a table walks all of it.
using DataTables = std::unordered_set<const xmlNode*>;

DataTables find_data_tables(xmlNode* article) {
  DataTables tables;
  for (xmlNode* t : dom::all(article, "table")) {
    if (data_table(t)) {
      tables.insert(t);
    }
  }
  return tables;
}

bool inside_data_table(const xmlNode* n, const DataTables& tables) {
  for (const xmlNode* p = n->parent; p != nullptr; p = p->parent) {
    if (tables.count(p) != 0) {
      return true;
    }
  }
  return false;
}

// What a block holds, counted in one walk.
struct Census {
  double p = 0, img = 0, li = 0, input = 0, embeds = 0;
  bool video = false;
  std::size_t heading_text = 0, list_text = 0;
};

Census take_census(xmlNode* root) {
  Census c;
  for (xmlNode* n = root->children; n != nullptr;) {
    const std::string_view t = dom::name(n);
    if (!t.empty()) {
      c.p += t == "p" ? 1 : 0;
      c.img += t == "img" ? 1 : 0;
      c.li += t == "li" ? 1 : 0;
      c.input += t == "input" ? 1 : 0;
      if (t == "object" || t == "embed" || t == "iframe") {
        c.embeds += 1;
        c.video = c.video || keeps_video(n);
      }
      if (dom::is_heading(n)) {
        c.heading_text += dom::text_length(n);
      }
      if (t == "ul" || t == "ol") {
        c.list_text += dom::text_length(n);
      }
    }
    if (n->children != nullptr) {
      n = n->children;
      continue;
    }
    while (n != root && n->next == nullptr) {
      n = n->parent;
    }
    n = n == root ? nullptr : n->next;
  }
  return c;
}

bool image_list(xmlNode* list) {
  std::size_t items = 0;
  for (xmlNode* li = dom::first_element_child(list); li != nullptr; li = dom::next_element(li)) {
    ++items;
    if (dom::find_first(li, "img") == nullptr || dom::text_length(li) > 0) {
      return false;
    }
  }
  return items > 0;
}

// The "fishy" test: a block with few commas is removed when its mix of images,
// paragraphs, list items, inputs, embeds and links says it is page furniture.
bool fishy(xmlNode* n, const Flags& flags) {
  // Only the class hints count here: an ancestor's score is diluted by depth, and a list
  // starting at -3 would be dropped for holding one captioned image.
  const int weight = flags.weight_classes ? hints::class_weight(n) : 0;
  if (weight < 0) {
    return true;
  }
  if (dom::comma_count(n) >= 10) {
    return false;
  }
  const std::string_view tag = dom::name(n);
  const std::size_t length = dom::text_length(n);
  const Census c = take_census(n);
  if (c.video) {
    return false;
  }
  const bool is_list =
      tag == "ul" || tag == "ol" ||
      (length > 0 && static_cast<double>(c.list_text) / static_cast<double>(length) > 0.9);
  if (is_list && image_list(n)) {
    return false;
  }
  const double headings =
      length == 0 ? 0 : static_cast<double>(c.heading_text) / static_cast<double>(length);
  const double p = c.p, img = c.img, li = c.li - 100, input = c.input;
  const double embeds = c.embeds;
  const double density = link_density(n);
  const bool in_figure = dom::has_ancestor(n, "figure");
  return (img > 1 && p / img < 0.5 && !in_figure) || (!is_list && li > p) ||
         (input > std::floor(p / 3)) ||
         (!is_list && headings < 0.9 && length < 25 && (img == 0 || img > 2) && !in_figure) ||
         (!is_list && weight < 25 && density > 0.2) || (weight >= 25 && density > 0.5) ||
         (embeds == 1 && length < 75) || embeds > 1;
}

void clean_conditionally(xmlNode* root, std::string_view tag, const Flags& flags) {
  if (!flags.clean_conditionally) {
    return;
  }
  const DataTables tables = find_data_tables(root);
  std::vector<xmlNode*> nodes = dom::all(root, tag);
  // Innermost first, so an outer block is judged on what survives inside it.
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    xmlNode* n = *it;
    if ((tag == "table" && tables.count(n) != 0) || inside_data_table(n, tables) ||
        dom::has_ancestor(n, "code")) {
      continue;
    }
    if (fishy(n, flags)) {
      dom::remove(n);
    }
  }
}

// Share and social widgets inside the article (small ones: a long block that merely
// mentions "share" in its class stays).
void clean_shares(xmlNode* article) {
  for (xmlNode* top = dom::first_element_child(article); top != nullptr;
       top = dom::next_element(top)) {
    xmlNode* n = top->children;
    while (n != nullptr) {
      if (dom::is_element(n) && hints::share(dom::class_and_id(n)) && dom::text_length(n) < 500) {
        xmlNode* next = n->next;
        for (xmlNode* up = n->parent; next == nullptr && up != top; up = up->parent) {
          next = up->next;
        }
        dom::remove(n);
        n = next;
        continue;
      }
      if (n->children != nullptr) {
        n = n->children;
        continue;
      }
      while (n != top && n->next == nullptr) {
        n = n->parent;
      }
      n = n == top ? nullptr : n->next;
    }
  }
}

void clean_headers(xmlNode* article, const Flags& flags) {
  for (const char* h : {"h1", "h2"}) {
    for (xmlNode* n : dom::all_innermost_first(article, h)) {
      if (flags.weight_classes && hints::class_weight(n) < 0) {
        dom::remove(n);
      }
    }
  }
}

void remove_empty_paragraphs(xmlNode* article) {
  for (xmlNode* p : dom::all_innermost_first(article, "p")) {
    const bool media =
        dom::find_first(p, "img") != nullptr || dom::find_first(p, "embed") != nullptr ||
        dom::find_first(p, "object") != nullptr || dom::find_first(p, "iframe") != nullptr;
    if (!media && dom::text_length(p) == 0) {
      dom::remove(p);
    }
  }
}

void remove_breaks_before_paragraphs(xmlNode* article) {
  for (xmlNode* br : dom::all(article, "br")) {
    xmlNode* next = br->next;
    while (next != nullptr && next->type == XML_TEXT_NODE &&
           ascii::trim(reinterpret_cast<const char*>(next->content)).empty()) {
      next = next->next;
    }
    if (dom::is(next, "p")) {
      dom::remove(br);
    }
  }
}

} // namespace

void clean_article(xmlNode* article, const Flags& flags) {
  clean_conditionally(article, "form", flags);
  clean_conditionally(article, "fieldset", flags);
  for (const char* tag : {"object", "embed", "iframe"}) {
    for (xmlNode* n : dom::all_innermost_first(article, tag)) {
      if (!keeps_video(n)) {
        dom::remove(n);
      }
    }
  }
  for (const char* tag :
       {"footer", "link", "aside", "input", "textarea", "select", "button", "nav"}) {
    dom::remove_all(article, tag);
  }
  clean_shares(article);
  clean_headers(article, flags);
  clean_conditionally(article, "table", flags);
  clean_conditionally(article, "ul", flags);
  clean_conditionally(article, "div", flags);
  for (xmlNode* h1 : dom::all(article, "h1")) {
    dom::rename(h1, "h2");
  }
  remove_empty_paragraphs(article);
  remove_breaks_before_paragraphs(article);
}

} // namespace feedpop::content
