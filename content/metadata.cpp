#include "content/metadata.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "common/ascii.hpp"
#include "content/dom.hpp"
#include "content/jsonld.hpp"
#include "feeds/html.hpp"

namespace feedpop::content {

namespace {

std::size_t word_count(std::string_view s) {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = ascii::is_space(c);
    words += !space && !in_word ? 1 : 0;
    in_word = !space;
  }
  return words;
}

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (ascii::is_space(c)) {
      space = true;
      continue;
    }
    if (space && !out.empty()) {
      out += ' ';
    }
    space = false;
    out += c;
  }
  return out;
}

// Title separators surrounded by spaces: "Story | Site", "Site » Section » Story".
constexpr std::string_view separators[] = {" | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " \\ ",
                                           " / ", " > ", " \xC2\xBB "};
constexpr std::string_view hierarchical[] = {" \\ ", " / ", " > ", " \xC2\xBB "};

// Position and length of the first or last separator in s, or npos.
std::pair<std::size_t, std::size_t> find_separator(std::string_view s, bool last) {
  std::size_t best = std::string_view::npos, length = 0;
  for (std::string_view sep : separators) {
    const std::size_t at = last ? s.rfind(sep) : s.find(sep);
    if (at == std::string_view::npos) {
      continue;
    }
    if (best == std::string_view::npos || (last ? at > best : at < best)) {
      best = at;
      length = sep.size();
    }
  }
  return {best, length};
}

std::string without_separators(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    bool matched = false;
    for (std::string_view sep : separators) {
      if (s.substr(i, sep.size()) == sep) {
        out += ' ';
        i += sep.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      out += s[i++];
    }
  }
  return out;
}

bool heading_equals(xmlNode* root, std::string_view text) {
  for (const char* h : {"h1", "h2"}) {
    for (xmlNode* n : dom::all(root, h)) {
      if (dom::text(n) == text) {
        return true;
      }
    }
  }
  return false;
}

std::string title_after_colon(xmlNode* root, const std::string& title) {
  if (heading_equals(root, title)) {
    return title;
  }
  std::string cut = collapse(title.substr(title.rfind(':') + 1));
  if (word_count(cut) < 3) {
    cut = collapse(title.substr(title.find(':') + 1));
  } else if (word_count(title.substr(0, title.find(':'))) > 5) {
    cut = title;
  }
  return cut;
}

} // namespace

double title_similarity(const std::string& a, const std::string& b) {
  auto tokens = [](const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
      if (ascii::is_alnum(c) || static_cast<unsigned char>(c) >= 0x80) {
        cur += ascii::lower(c);
      } else if (!cur.empty()) {
        out.push_back(std::move(cur));
        cur.clear();
      }
    }
    if (!cur.empty()) {
      out.push_back(cur);
    }
    return out;
  };
  const std::vector<std::string> ta = tokens(a), tb = tokens(b);
  if (ta.empty() || tb.empty()) {
    return 0;
  }
  std::size_t unique_length = 0, total_length = 0;
  for (const std::string& t : tb) {
    total_length += t.size() + 1;
    if (std::find(ta.begin(), ta.end(), t) == ta.end()) {
      unique_length += t.size() + 1;
    }
  }
  return 1.0 - static_cast<double>(unique_length) / static_cast<double>(total_length);
}

std::string headline_from_title(xmlNode* root, const std::string& raw) {
  const std::string title = collapse(raw);
  std::string cut = title;
  bool had_hierarchy = false;
  if (auto [at, length] = find_separator(title, true); at != std::string::npos) {
    for (std::string_view h : hierarchical) {
      had_hierarchy = had_hierarchy || title.find(h) != std::string::npos;
    }
    cut = collapse(title.substr(0, at));
    if (word_count(cut) < 3) {
      auto [first, first_length] = find_separator(title, false);
      cut = collapse(title.substr(first + first_length));
    }
  } else if (title.find(": ") != std::string::npos) {
    cut = title_after_colon(root, title);
  } else if (title.size() > 150 || title.size() < 15) {
    std::vector<xmlNode*> h1 = dom::all(root, "h1");
    if (h1.size() == 1) {
      cut = dom::text(h1.front());
    }
  }
  const std::size_t words = word_count(cut);
  if (words <= 4 && (!had_hierarchy || words != word_count(without_separators(title)) - 1)) {
    cut = title;
  }
  return cut;
}

Metadata read_metadata(xmlDoc* doc) {
  Metadata meta;
  xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) {
    return meta;
  }
  meta.lang = ascii::trim(dom::attr(root, "lang"));
  if (xmlNode* base = dom::find_first(root, "base"); base != nullptr) {
    meta.base_href = std::string(ascii::trim(dom::attr(base, "href")));
  }
  std::map<std::string, std::string> values;
  for (xmlNode* m : dom::all(root, "meta")) {
    const std::string content = collapse(dom::attr(m, "content"));
    if (content.empty()) {
      continue;
    }
    std::istringstream keys(ascii::lower(dom::attr(m, "property")) + ' ' +
                            ascii::lower(dom::attr(m, "name")));
    for (std::string key; keys >> key;) {
      values.try_emplace(key, content);
    }
  }
  auto first_of = [&](std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
      if (auto it = values.find(k); it != values.end()) {
        return feeds::html::decode_entities(it->second);
      }
    }
    return std::string();
  };
  std::string page_title;
  if (xmlNode* t = dom::find_first(root, "title"); t != nullptr) {
    page_title = headline_from_title(root, dom::text(t));
  }
  const LinkedData linked = read_linked_data(root, page_title);
  meta.title = first_of({"dc:title", "dcterm:title", "og:title", "weibo:article:title",
                         "weibo:webpage:title", "title", "twitter:title", "parsely-title"});
  if (!linked.title.empty()) {
    meta.title = feeds::html::decode_entities(linked.title);
  } else if (meta.title.empty()) {
    meta.title = page_title;
  }
  meta.byline = !linked.byline.empty()
                    ? feeds::html::decode_entities(linked.byline)
                    : first_of({"dc:creator", "dcterm:creator", "author", "parsely-author"});
  meta.excerpt = !linked.excerpt.empty()
                     ? feeds::html::decode_entities(linked.excerpt)
                     : first_of({"dc:description", "dcterm:description", "og:description",
                                 "weibo:article:description", "weibo:webpage:description",
                                 "description", "twitter:description"});
  return meta;
}

} // namespace feedpop::content
