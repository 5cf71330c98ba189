// feeds::html::sanitize — the allow-list sanitiser behind FEED_JSON.md's "HTML values"
// rule. Elements outside the list lose their tags but keep their text (as feedparser's
// sanitiser does); script-like elements lose their content too. Output tags are balanced.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "common/ascii.hpp"
#include "feeds/html.hpp"
#include "feeds/html_embeds.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::html {

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

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& set, std::string_view name) {
  return std::any_of(set.begin(), set.end(), [&](std::string_view s) { return same(s, name); });
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

// For each first letter, the index of the first allowed element at or after it: a lookup
// compares only the few names sharing its first letter.
constexpr std::array<std::uint8_t, 27> kAllowedByLetter = [] {
  std::array<std::uint8_t, 27> t{};
  std::size_t k = 0;
  for (std::size_t letter = 0; letter <= 26; ++letter) {
    while (k < kAllowedElements.size() &&
           static_cast<std::size_t>(kAllowedElements[k][0] - 'a') < letter) {
      ++k;
    }
    t[letter] = static_cast<std::uint8_t>(k);
  }
  return t;
}();

bool allowed_element(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') {
    return false; // every allowed name starts with a lower-case letter
  }
  auto letter = static_cast<std::size_t>(name[0] - 'a');
  return std::any_of(kAllowedElements.begin() + kAllowedByLetter[letter],
                     kAllowedElements.begin() + kAllowedByLetter[letter + 1],
                     [&](std::string_view e) { return same(e, name); });
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

// Browsers ignore whitespace and control characters inside a scheme ("java\tscript:"):
// `v` without bytes <= 0x20, lower-cased, into `out` (whose buffer is reused).
void compact_lower(std::string& out, std::string_view v) {
  out.clear();
  for (char c : v) {
    if (static_cast<unsigned char>(c) > 0x20) {
      out += ascii::lower(c);
    }
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
  static constexpr std::array<std::string_view, 13> kFetching = {
      "url(",       "image(",       "image-set(",  "cross-fade(", "element(",
      "src(",       "expression(",  "javascript:", "vbscript:",   "behavior:",
      "behaviour:", "-moz-binding", "@import"};
  return std::any_of(kFetching.begin(), kFetching.end(),
                     [&](std::string_view f) { return v.find(f) != std::string::npos; });
}

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
  const std::string host = ascii::lower(authority.substr(0, authority.find(':')));
  const std::string_view path = rest.substr(host_end);
  return std::any_of(kTrackers.begin(), kTrackers.end(), [&](const Tracker& t) {
    const bool host_matches =
        host == t.host || (host.size() > t.host.size() && host.ends_with(t.host) &&
                           host[host.size() - t.host.size() - 1] == '.');
    return host_matches && path.starts_with(t.path);
  });
}

// A width or height of 0 or 1 ("1", "0px"): an image nobody is meant to see.
bool tiny(std::string_view v) {
  v = ascii::trim(v);
  if (v.ends_with("px")) {
    v = ascii::trim(v.substr(0, v.size() - 2));
  }
  return v == "0" || v == "1";
}

// Tracking pixels (1×1 or zero-size images, images from tracker hosts) are dropped: they
// tell the sender when and where the message was read.
bool is_tracking_pixel(const Token& t, std::string_view base_url) {
  for (const auto& [name, value] : t.attrs) {
    if ((same(name, "width") || same(name, "height")) && tiny(value)) {
      return true;
    }
    if (same(name, "src") && is_tracker(url::resolve(base_url, value))) {
      return true;
    }
  }
  return false;
}

void write_start_tag(std::string& out, const Token& t, bool is_void, std::string_view base_url) {
  out += '<';
  out += t.name;
  for (const auto& [name, value] : t.attrs) {
    if (name.starts_with("on") || contains(kDroppedAttributes, name) ||
        std::any_of(name.begin(), name.end(),
                    [](char c) { return c == ':' || c == '"' || c == '\'' || c == '<'; })) {
      continue;
    }
    if (contains(kUrlAttributes, name)) {
      // The scheme is checked on the URL as written, after resolution: a relative
      // reference takes the base's scheme.
      const url::Use use =
          same(t.name, "img") && same(name, "src") ? url::Use::image : url::Use::link;
      std::string resolved = url::resolve(base_url, value);
      if (!url::is_safe(resolved, use)) {
        continue;
      }
      out += ' ';
      out += name;
      out += "=\"";
      escape_into(out, resolved);
      out += '"';
      continue;
    }
    if (same(name, "style") && unsafe_style(value)) {
      continue;
    }
    out += ' ';
    out += name;
    out += "=\"";
    escape_into(out, value);
    out += '"';
  }
  out += is_void ? " />" : ">";
}

void append_end_tag(std::string& out, std::string_view name) {
  out += "</";
  out += name;
  out += '>';
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
  EmbedRewriter embeds; // video embeds become links (feeds/html_embeds.hpp)
  tokenize(html, [&](const Token& t) {
    if (dropping.empty() && embeds.consume(t, base_url, out)) {
      return;
    }
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
    case Token::Kind::start_tag: {
      bool is_void = contains(kVoidElements, t.name);
      if (contains(kDroppedWithContent, t.name)) {
        if (!t.self_closing && !is_void) {
          dropping = t.name;
          dropping_depth = 1;
        }
      } else if (same(t.name, "img") && is_tracking_pixel(t, base_url)) {
        break;
      } else if (allowed_element(t.name)) {
        write_start_tag(out, t, is_void, base_url);
        if (!is_void && !t.self_closing) {
          open.push_back(t.name);
        } else if (!is_void) {
          append_end_tag(out, t.name);
        }
      }
      break;
    }
    case Token::Kind::end_tag: {
      auto it = std::find_if(open.rbegin(), open.rend(),
                             [&](const std::string& name) { return same(name, t.name); });
      if (it == open.rend()) {
        break; // a stray end tag closes nothing
      }
      auto keep = static_cast<std::size_t>(open.rend() - it) - 1;
      while (open.size() > keep) {
        append_end_tag(out, open.back());
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
    append_end_tag(out, open.back());
    open.pop_back();
  }
  return out;
}

} // namespace feedpop::feeds::html
