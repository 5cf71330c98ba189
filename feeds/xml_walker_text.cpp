#include "feeds/xml_walker.hpp"

#include <cstring>

#include "common/base64.hpp"
#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/text_construct.hpp"

namespace feedpop::feeds::xml::walker_detail {

// `s` (NUL-terminated, as pugixml's names are) equals `lower_word` ignoring ASCII case:
// attribute names are matched without measuring or copying them.
bool iequals_c(const char* s, std::string_view lower_word) {
  for (char w : lower_word) {
    if (*s == '\0' || ascii::lower(*s) != w) {
      return false;
    }
    ++s;
  }
  return *s == '\0';
}

bool is_html_type(std::string_view t) {
  return t == "text/html" || t == "application/xhtml+xml";
}

std::string map_content_type(std::string_view t) {
  std::string l = lower(t);
  if (l == "text" || l == "plain") {
    return "text/plain";
  }
  if (l == "html") {
    return "text/html";
  }
  if (l == "xhtml") {
    return "application/xhtml+xml";
  }
  return l;
}

// `name` is lower case; attribute names are matched case-insensitively.
std::optional<std::string> Walker::attr(Node node, std::string_view name) const {
  if (const auto value = attr_view(node, name)) {
    return std::string(*value);
  }
  return std::nullopt;
}

std::optional<std::string_view> Walker::attr_view(Node node, std::string_view name) const {
  std::optional<std::string_view> qualified;
  for (Attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const char* n = a.name();
    if (iequals_c(n, name)) {
      return a.value();
    }
    // An attribute qualified with a feed format's own namespace (atom:href on an
    // atom:link) or an unknown one is read as the plain one, as feedparser reads it; only
    // known module namespaces (xml:, rdf:, dc: ...) keep their meaning. Strictly
    // (Namespaces in XML 1.0 §6.3) it is a different attribute and such a link has no href
    // (RFC 4287 §4.2.7.1 requires one), but the author's intent is plain.
    if (qualified) {
      continue;
    }
    const char* colon = std::strchr(n, ':');
    if (colon != nullptr && iequals_c(colon + 1, name) &&
        reads_as_plain(std::string_view(n, static_cast<std::size_t>(colon - n)))) {
      qualified = a.value();
    }
  }
  return qualified;
}

bool Walker::reads_as_plain(std::string_view prefix) const {
  for (auto it = ns_.rbegin(); it != ns_.rend(); ++it) {
    if (it->prefix == prefix) {
      return !it->canonical || it->canonical->empty();
    }
  }
  return false; // an undeclared prefix: not namespace-well-formed, left alone
}

void Walker::track_namespaces(Node node) {
  for (Attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const char* n = a.name();
    if (std::strncmp(n, "xmlns", 5) != 0 || (n[5] != '\0' && n[5] != ':')) {
      continue;
    }
    std::string prefix = n[5] == '\0' ? "" : std::string(n + 6);
    std::string uri = lower(a.value());
    if (uri.empty()) {
      continue;
    }
    // feedparser: the first telling namespace fixes the version.
    if (version_.empty()) {
      if (prefix.empty() && uri == "http://my.netscape.com/rdf/simple/0.9/") {
        version_ = "rss090";
      } else if (uri == "http://purl.org/rss/1.0/") {
        version_ = "rss10";
      } else if (uri == "http://www.w3.org/2005/atom") {
        version_ = "atom10";
      }
    }
    auto canonical = canonical_prefix(uri);
    ns_.push_back({std::move(prefix), std::move(uri), canonical});
  }
}

std::string Walker::finish_text(std::string s) const {
  if (utf8_declared_) {
    text::fix_double_utf8(s);
  }
  return s;
}

Construct Walker::text_construct(Node node, const char* default_type, bool is_title) const {
  Construct c;
  auto type_attr = attr(node, "type");
  c.type = map_content_type(type_attr ? *type_attr : default_type);
  auto mode = attr(node, "mode");
  bool xhtml = c.type.ends_with("xml");
  c.value = text::inner_markup(node, xhtml, limits_.max_depth);
  if (xhtml && !c.type.ends_with("xml")) {
    c.type = "application/xhtml+xml"; // declared as escaped markup, but it isn't
  }
  if (c.type == "application/xhtml+xml" && version_ == "atom10") {
    c.value = text::strip_xhtml_div(std::move(c.value));
  }
  text::clean_in_place(c.value);
  bool is_base64 = mode == "base64" || !(c.type.starts_with("text/") || c.type.ends_with("+xml") ||
                                         c.type.ends_with("/xml"));
  if (is_base64 && !c.value.empty()) {
    // Text content must decode to text; otherwise it stays as written (as feedparser).
    if (auto decoded = base64::decode_lenient(c.value); decoded && utf8::is_valid(*decoded)) {
      c.value = *decoded;
    }
  }
  if (!version_.starts_with("atom") && c.type == "text/plain" && text::looks_like_html(c.value)) {
    c.type = "text/html";
  }
  c.value = finish_text(std::move(c.value));
  if (is_html_type(c.type) && !is_title) {
    c.value = html::sanitize(c.value, base_);
  }
  return c;
}

std::optional<std::string> as_html(Construct c) {
  if (c.out_of_line) {
    return std::nullopt;
  }
  text::clean_in_place(c.value);
  if (c.value.empty()) {
    return std::nullopt;
  }
  if (is_html_type(c.type)) {
    return std::move(c.value);
  }
  if (c.type.starts_with("text/")) {
    return text::clean(html::escape(c.value)); // feedparser escapes & < > only; " is harmless
  }
  return std::nullopt;
}

std::optional<std::string> as_text(const Construct& c) {
  auto v = text::clean(c.value);
  if (v && is_html_type(c.type)) {
    return text::clean(html::to_text(*v));
  }
  return v;
}

} // namespace feedpop::feeds::xml::walker_detail
