// The sanitiser's allow lists and checks (html_sanitize_policy.hpp); html_sanitize.cpp
// applies them to the token stream.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/ascii.hpp"
#include "feeds/html_sanitize_policy.hpp"

namespace feedpop::feeds::html::policy {

namespace {

// Tag and attribute names are a few bytes long and looked up several times per tag: compared
// inline, as a call into libc's memcmp costs more than the comparison itself.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k] != b[k]) {
      return false;
    }
  }
  return true;
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

// Elements whose content is dropped along with their tags.
constexpr std::array<std::string_view, 9> kDroppedWithContent = {
    "script", "style", "applet", "iframe", "object", "embed", "noscript", "template", "frameset"};

constexpr std::array<std::string_view, 13> kVoidElements = {
    "area",  "base", "br",   "col",    "embed", "hr", "img",
    "input", "link", "meta", "source", "track", "wbr"};

// The three lists above merged into one table sorted by name, so that each tag is looked
// up once.
template <std::size_t N>
constexpr bool listed(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

constexpr std::size_t kElementCount = [] {
  std::size_t n = kAllowedElements.size();
  for (std::string_view e : kDroppedWithContent) {
    n += listed(kAllowedElements, e) ? 0 : 1;
  }
  for (std::string_view e : kVoidElements) {
    n += listed(kAllowedElements, e) || listed(kDroppedWithContent, e) ? 0 : 1;
  }
  return n;
}();

constexpr std::array<ElementRule, kElementCount> kElements = [] {
  std::array<std::string_view, kElementCount> names{};
  std::size_t n = 0;
  for (std::string_view e : kAllowedElements) {
    names[n++] = e;
  }
  for (std::string_view e : kDroppedWithContent) {
    if (!listed(kAllowedElements, e)) {
      names[n++] = e;
    }
  }
  for (std::string_view e : kVoidElements) {
    if (!listed(kAllowedElements, e) && !listed(kDroppedWithContent, e)) {
      names[n++] = e;
    }
  }
  std::sort(names.begin(), names.end());
  std::array<ElementRule, kElementCount> t{};
  for (std::size_t k = 0; k < kElementCount; ++k) {
    t[k] = {names[k], listed(kAllowedElements, names[k]), listed(kVoidElements, names[k]),
            listed(kDroppedWithContent, names[k])};
  }
  return t;
}();
static_assert(kElementCount < 255);

// For each first letter, the index of the first element at or after it: a lookup compares
// only the few names sharing its first letter.
constexpr std::array<std::uint8_t, 27> kElementsByLetter = [] {
  std::array<std::uint8_t, 27> t{};
  std::size_t k = 0;
  for (std::size_t letter = 0; letter <= 26; ++letter) {
    while (k < kElements.size() && static_cast<std::size_t>(kElements[k].name[0] - 'a') < letter) {
      ++k;
    }
    t[letter] = static_cast<std::uint8_t>(k);
  }
  return t;
}();

// Browsers ignore whitespace and control characters inside a scheme ("java\tscript:"):
// `v` without bytes <= 0x20, lower-cased, into `out` (whose buffer is reused).
void compact_lower(std::string& out, std::string_view v) {
  out.resize(v.size());
  std::size_t n = 0;
  for (char c : v) {
    if (static_cast<unsigned char>(c) > 0x20) {
      out[n++] = ascii::lower(c);
    }
  }
  out.resize(n);
}

// The fetching constructs of unsafe_style(), by the character they end with.
constexpr std::array<std::string_view, 7> kFetchingFunctions = {
    "url(", "image(", "image-set(", "cross-fade(", "element(", "src(", "expression("};
constexpr std::array<std::string_view, 4> kFetchingSchemes = {
    "javascript:", "vbscript:", "behavior:", "behaviour:"};

// Hosts that serve only tracking images (web analytics, ad networks, feed statistics),
// with a path prefix where only part of a host tracks. A host matches its subdomains too.
struct Tracker {
  std::string_view host, path;
};
constexpr std::array<Tracker, 14> kTrackers = {{
    {"analytics.twitter.com", ""},
    {"bat.bing.com", ""},
    {"ct.pinterest.com", ""},
    {"doubleclick.net", ""},
    {"google-analytics.com", ""},
    {"mc.yandex.ru", ""},
    {"pixel.facebook.com", ""},
    {"pixel.quantserve.com", ""},
    {"pixel.wp.com", ""},
    {"sb.scorecardresearch.com", ""},
    {"stats.wordpress.com", ""},
    {"www.facebook.com", "/tr"},
    {"feeds.feedburner.com", "/~r/"},
    {"feedproxy.google.com", "/~r/"},
}};

} // namespace

std::uint8_t element_index(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') {
    return kUnlisted; // every listed name starts with a lower-case letter
  }
  auto letter = static_cast<std::size_t>(name[0] - 'a');
  for (std::size_t k = kElementsByLetter[letter]; k < kElementsByLetter[letter + 1]; ++k) {
    if (same(kElements[k].name, name)) {
      return static_cast<std::uint8_t>(k);
    }
  }
  return kUnlisted;
}

const ElementRule& element_rule(std::uint8_t index) {
  return kElements[index];
}

AttributeRule attribute_rule(std::string_view name) {
  if (name.starts_with("on") || std::any_of(name.begin(), name.end(), [](char c) {
        return c == ':' || c == '"' || c == '\'' || c == '<';
      })) {
    return AttributeRule::drop;
  }
  const auto is = [&](std::string_view n) { return same(name, n); };
  switch (name.size()) {
  case 3:
    return is("src") ? AttributeRule::url : AttributeRule::keep;
  case 4:
    return is("href") || is("cite")   ? AttributeRule::url
           : is("form") || is("ping") ? AttributeRule::drop
                                      : AttributeRule::keep;
  case 5:
    return is("style")   ? AttributeRule::style
           : is("xmlns") ? AttributeRule::drop
                         : AttributeRule::keep;
  case 6:
    return is("action") || is("poster") || is("usemap") || is("lowsrc") ? AttributeRule::url
           : is("srcset") || is("dynsrc")                               ? AttributeRule::drop
                                                                        : AttributeRule::keep;
  case 8:
    return is("longdesc") ? AttributeRule::url : AttributeRule::keep;
  case 10:
    return is("background")   ? AttributeRule::url
           : is("formaction") ? AttributeRule::drop
                              : AttributeRule::keep;
  default:
    return AttributeRule::keep;
  }
}

// A style value that could load anything is dropped whole. CSS escapes ("u\\72l(" is
// url() to a browser) are not decoded: any backslash drops the value, as do the functions
// that fetch (url, image, image-set, cross-fade, element, src), IE's expression() and
// behaviours, and @import.
bool unsafe_style(std::string_view value) {
  if (value.find('\\') != std::string_view::npos) {
    return true;
  }
  thread_local std::string v;
  compact_lower(v, value);
  // Every function and scheme listed ends in '(' or ':': each of those is checked for the
  // names that end there, instead of searching the value once per name.
  const std::string_view sv = v;
  for (std::size_t k = 0; k < sv.size(); ++k) {
    if (sv[k] != '(' && sv[k] != ':') {
      continue;
    }
    const std::string_view upto = sv.substr(0, k + 1);
    const auto ends_upto = [&](std::string_view f) { return upto.ends_with(f); };
    if (sv[k] == '(' ? std::any_of(kFetchingFunctions.begin(), kFetchingFunctions.end(), ends_upto)
                     : std::any_of(kFetchingSchemes.begin(), kFetchingSchemes.end(), ends_upto)) {
      return true;
    }
  }
  return sv.find("-moz-binding") != std::string_view::npos ||
         sv.find("@import") != std::string_view::npos;
}

bool is_tracker(std::string_view resolved_src) {
  const auto scheme_end = resolved_src.find("://");
  if (scheme_end == std::string_view::npos) {
    return false;
  }
  std::string_view rest = resolved_src.substr(scheme_end + 3);
  const auto host_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, host_end);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  const std::string_view host = authority.substr(0, authority.find(':'));
  const std::string_view path = rest.substr(host_end);
  // Host names compare ignoring case; every tracker host is written in lower case.
  return std::any_of(kTrackers.begin(), kTrackers.end(), [&](const Tracker& t) {
    const bool host_matches = ascii::iequals(host, t.host) ||
                              (host.size() > t.host.size() &&
                               ascii::iequals(host.substr(host.size() - t.host.size()), t.host) &&
                               host[host.size() - t.host.size() - 1] == '.');
    return host_matches && path.starts_with(t.path);
  });
}

bool tiny(std::string_view v) {
  v = ascii::trim(v);
  if (v.ends_with("px")) {
    v = ascii::trim(v.substr(0, v.size() - 2));
  }
  return v == "0" || v == "1";
}

} // namespace feedpop::feeds::html::policy
