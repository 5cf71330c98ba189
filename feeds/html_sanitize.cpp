// feeds::html::sanitize — the allow-list sanitiser behind FEED_JSON.md's "HTML values"
// rule. Elements outside the list lose their tags but keep their text (as feedparser's
// sanitiser does); script-like elements lose their content too. Output tags are balanced.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "feeds/html.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::html {

namespace {

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

constexpr std::array<std::string_view, 95> kAllowedElements = {
    "a",        "abbr",   "acronym",  "address", "area",       "article", "aside",    "audio",
    "b",        "bdi",    "bdo",      "big",     "blockquote", "br",      "button",   "caption",
    "center",   "cite",   "code",     "col",     "colgroup",   "dd",      "del",      "details",
    "dfn",      "dir",    "div",      "dl",      "dt",         "em",      "fieldset", "figcaption",
    "figure",   "font",   "footer",   "h1",      "h2",         "h3",      "h4",       "h5",
    "h6",       "header", "hgroup",   "hr",      "i",          "img",     "ins",      "kbd",
    "label",    "legend", "li",       "main",    "map",        "mark",    "menu",     "meter",
    "nav",      "ol",     "optgroup", "option",  "output",     "p",       "picture",  "pre",
    "progress", "q",      "rp",       "rt",      "ruby",       "s",       "samp",     "section",
    "small",    "source", "span",     "strike",  "strong",     "sub",     "summary",  "sup",
    "table",    "tbody",  "td",       "tfoot",   "th",         "thead",   "time",     "tr",
    "track",    "tt",     "u",        "ul",      "var",        "video",   "wbr"};
// Looked up for every tag of every body: kept sorted for a binary search.
static_assert(std::is_sorted(kAllowedElements.begin(), kAllowedElements.end()));

bool allowed_element(std::string_view name) {
  return std::binary_search(kAllowedElements.begin(), kAllowedElements.end(), name);
}

// Elements whose content is dropped along with their tags.
constexpr std::array<std::string_view, 9> kDroppedWithContent = {
    "script", "style", "applet", "iframe", "object", "embed", "noscript", "template", "frameset"};

constexpr std::array<std::string_view, 13> kVoidElements = {
    "area",  "base", "br",   "col",    "embed", "hr", "img",
    "input", "link", "meta", "source", "track", "wbr"};

// Attributes holding a URL: resolved against the base, checked for unsafe schemes.
constexpr std::array<std::string_view, 9> kUrlAttributes = {
    "href", "src", "cite", "action", "background", "longdesc", "poster", "usemap", "lowsrc"};

constexpr std::array<std::string_view, 6> kDroppedAttributes = {"srcset", "formaction", "xmlns",
                                                                "form",   "ping",       "dynsrc"};

std::string compact_lower(std::string_view v) {
  // Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
  std::string out;
  for (char c : v) {
    if (static_cast<unsigned char>(c) > 0x20) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

bool unsafe_url(std::string_view value) {
  std::string v = compact_lower(value);
  return v.starts_with("javascript:") || v.starts_with("vbscript:") ||
         v.starts_with("livescript:") || (v.starts_with("data:") && !v.starts_with("data:image/"));
}

bool unsafe_style(std::string_view value) {
  std::string v = compact_lower(value);
  return v.find("url(") != std::string::npos || v.find("expression(") != std::string::npos ||
         v.find("javascript:") != std::string::npos || v.find("behavior:") != std::string::npos ||
         v.find("-moz-binding") != std::string::npos;
}

void write_start_tag(std::string& out, const Token& t, std::string_view base_url) {
  out += '<';
  out += t.name;
  for (const auto& [name, value] : t.attrs) {
    if (name.starts_with("on") || contains(kDroppedAttributes, name) ||
        name.find(':') != std::string::npos || name.find('"') != std::string::npos ||
        name.find('\'') != std::string::npos || name.find('<') != std::string::npos) {
      continue;
    }
    std::string v = value;
    if (contains(kUrlAttributes, name)) {
      if (unsafe_url(v)) {
        continue;
      }
      v = url::resolve(base_url, v);
    } else if (name == "style" && unsafe_style(v)) {
      continue;
    }
    out += ' ';
    out += name;
    out += "=\"";
    escape_into(out, v);
    out += '"';
  }
  out += contains(kVoidElements, t.name) ? " />" : ">";
}

} // namespace

bool is_safe_element(std::string_view name) {
  return allowed_element(name);
}

std::string sanitize(std::string_view html, std::string_view base_url) {
  std::string out;
  out.reserve(html.size() + 16);
  std::vector<std::string> open;
  std::string dropping; // element whose content is being dropped
  int dropping_depth = 0;
  tokenize(html, [&](const Token& t) {
    if (!dropping.empty()) {
      if (t.name == dropping && t.kind == Token::Kind::start_tag && !t.self_closing) {
        ++dropping_depth;
      } else if (t.name == dropping && t.kind == Token::Kind::end_tag && --dropping_depth == 0) {
        dropping.clear();
      }
      return;
    }
    switch (t.kind) {
    case Token::Kind::text:
      escape_into(out, t.text);
      break;
    case Token::Kind::start_tag:
      if (contains(kDroppedWithContent, t.name)) {
        if (!t.self_closing && !contains(kVoidElements, t.name)) {
          dropping = t.name;
          dropping_depth = 1;
        }
      } else if (allowed_element(t.name)) {
        write_start_tag(out, t, base_url);
        if (!contains(kVoidElements, t.name) && !t.self_closing) {
          open.push_back(t.name);
        } else if (!contains(kVoidElements, t.name)) {
          out += "</" + t.name + ">";
        }
      }
      break;
    case Token::Kind::end_tag: {
      auto it = std::find(open.rbegin(), open.rend(), t.name);
      if (it == open.rend()) {
        break; // a stray end tag closes nothing
      }
      auto keep = static_cast<std::size_t>(open.rend() - it) - 1;
      while (open.size() > keep) {
        out += "</" + open.back() + ">";
        open.pop_back();
      }
      break;
    }
    case Token::Kind::comment:
    case Token::Kind::doctype:
      break;
    }
  });
  while (!open.empty()) {
    out += "</" + open.back() + ">";
    open.pop_back();
  }
  return out;
}

} // namespace feedpop::feeds::html
