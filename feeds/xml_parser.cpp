#include "feeds/xml_parser.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <pugixml.hpp>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/utf8.hpp"
#include "feeds/dates.hpp"
#include "feeds/html.hpp"
#include "feeds/text_construct.hpp"
#include "feeds/url.hpp"
#include "feeds/xml_media.hpp"

namespace feedpop::feeds::xml {

namespace {

using ascii::lower;
using Node = pugi::xml_node;
using Attribute = pugi::xml_attribute;

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

// The element's qualified name, unprefixed, is "item" or "entry" (any case).
bool is_entry_element(Node node) {
  const char* name = node.name();
  const char* colon = std::strrchr(name, ':');
  const char* local = colon != nullptr ? colon + 1 : name;
  return iequals_c(local, "item") || iequals_c(local, "entry");
}

// Some attribute's name ends in "base" (any case): the only names Walker::attr reads as
// xml:base or base (plain, or qualified with a prefix).
bool has_base_attribute(Node node) {
  for (Attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view n = a.name();
    if (n.size() >= 4 && ascii::iequals(n.substr(n.size() - 4), "base")) {
      return true;
    }
  }
  return false;
}

// Elements named item or entry anywhere in the document, counted without recursion
// (documents may nest far deeper than the walker reads).
std::size_t count_entry_elements(const pugi::xml_document& doc) {
  std::size_t count = 0;
  Node node = doc.first_child();
  while (node) {
    if (node.type() == pugi::node_element && is_entry_element(node)) {
      ++count;
    }
    if (Node child = node.first_child()) {
      node = child;
      continue;
    }
    while (node && !node.next_sibling()) {
      node = node.parent();
    }
    if (node) {
      node = node.next_sibling();
    }
  }
  return count;
}

// Namespace URI → feedparser's canonical prefix ("" for the feed formats themselves).
std::optional<std::string_view> canonical_prefix(std::string_view uri_lower) {
  struct Ns {
    std::string_view uri, prefix;
  };
  static constexpr std::array<Ns, 27> table = {{
      {"", ""},
      {"http://backend.userland.com/rss", ""},
      {"http://blogs.law.harvard.edu/tech/rss", ""},
      {"http://purl.org/rss/1.0/", ""},
      {"http://my.netscape.com/rdf/simple/0.9/", ""},
      {"http://example.com/newformat#", ""},
      {"http://example.com/necho", ""},
      {"http://purl.org/echo/", ""},
      {"uri/of/echo/namespace#", ""},
      {"http://purl.org/pie/", ""},
      {"http://purl.org/atom/ns#", ""},
      {"http://www.w3.org/2005/atom", ""},
      {"http://purl.org/rss/1.0/modules/rss091#", ""},
      {"http://purl.org/rss/1.0/modules/content/", "content"},
      {"http://purl.org/dc/elements/1.1/", "dc"},
      {"http://purl.org/dc/terms/", "dcterms"},
      {"http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes"},
      {"http://example.com/dtds/podcast-1.0.dtd", "itunes"},
      {"http://search.yahoo.com/mrss", "media"},
      {"http://search.yahoo.com/mrss/", "media"},
      {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf"},
      {"http://purl.org/rss/1.0/modules/syndication/", "sy"},
      {"http://www.w3.org/1999/xhtml", "xhtml"},
      {"http://www.w3.org/xml/1998/namespace", "xml"},
      {"http://wellformedweb.org/commentapi/", "wfw"},
      {"http://purl.org/rss/1.0/modules/slash/", "slash"},
      {"http://rssnamespace.org/feedburner/ext/1.0", "feedburner"},
  }};
  if (uri_lower.find("backend.userland.com/rss") != std::string_view::npos) {
    return "";
  }
  for (const auto& ns : table) {
    if (ns.uri == uri_lower) {
      return ns.prefix;
    }
  }
  return std::nullopt;
}

// The element names the walker acts on (feedparser's canonical names, see element_tag);
// looked up once per element instead of compared one by one.
enum class Tag : std::uint8_t {
  other,
  abstract,
  author,
  body,
  category,
  channel,
  comments,
  content,
  content_encoded,
  dc_author,
  dc_creator,
  dc_date,
  dc_description,
  dc_subject,
  dc_title,
  dcterms_issued,
  dcterms_modified,
  description,
  email,
  enclosure,
  entry,
  feed,
  fullitem,
  guid,
  id,
  image,
  issued,
  item,
  itunes_author,
  itunes_duration,
  itunes_image,
  itunes_summary,
  lastbuilddate,
  link,
  managingeditor,
  media_content,
  media_description,
  media_thumbnail,
  media_title,
  modified,
  name,
  pubdate,
  published,
  rss,
  source,
  summary,
  sy_updatefrequency,
  sy_updateperiod,
  textinput,
  title,
  ttl,
  updated,
  xhtml_body,
};

Tag tag_of(std::string_view name) {
  static const std::unordered_map<std::string_view, Tag> tags = {
      {"abstract", Tag::abstract},
      {"author", Tag::author},
      {"body", Tag::body},
      {"category", Tag::category},
      {"channel", Tag::channel},
      {"comments", Tag::comments},
      {"content", Tag::content},
      {"content_encoded", Tag::content_encoded},
      {"dc_author", Tag::dc_author},
      {"dc_creator", Tag::dc_creator},
      {"dc_date", Tag::dc_date},
      {"dc_description", Tag::dc_description},
      {"dc_subject", Tag::dc_subject},
      {"dc_title", Tag::dc_title},
      {"dcterms_issued", Tag::dcterms_issued},
      {"dcterms_modified", Tag::dcterms_modified},
      {"description", Tag::description},
      {"email", Tag::email},
      {"enclosure", Tag::enclosure},
      {"entry", Tag::entry},
      {"feed", Tag::feed},
      {"fullitem", Tag::fullitem},
      {"guid", Tag::guid},
      {"id", Tag::id},
      {"image", Tag::image},
      {"issued", Tag::issued},
      {"item", Tag::item},
      {"itunes_author", Tag::itunes_author},
      {"itunes_duration", Tag::itunes_duration},
      {"itunes_image", Tag::itunes_image},
      {"itunes_summary", Tag::itunes_summary},
      {"lastbuilddate", Tag::lastbuilddate},
      {"link", Tag::link},
      {"managingeditor", Tag::managingeditor},
      {"media_content", Tag::media_content},
      {"media_description", Tag::media_description},
      {"media_thumbnail", Tag::media_thumbnail},
      {"media_title", Tag::media_title},
      {"modified", Tag::modified},
      {"name", Tag::name},
      {"pubdate", Tag::pubdate},
      {"published", Tag::published},
      {"rss", Tag::rss},
      {"source", Tag::source},
      {"summary", Tag::summary},
      {"sy_updatefrequency", Tag::sy_updatefrequency},
      {"sy_updateperiod", Tag::sy_updateperiod},
      {"textinput", Tag::textinput},
      {"title", Tag::title},
      {"ttl", Tag::ttl},
      {"updated", Tag::updated},
      {"xhtml_body", Tag::xhtml_body},
  };
  auto it = tags.find(name);
  return it == tags.end() ? Tag::other : it->second;
}

MediaElement media_element(Tag tag) {
  switch (tag) {
  case Tag::media_title:
    return MediaElement::title;
  case Tag::media_description:
    return MediaElement::description;
  case Tag::media_thumbnail:
    return MediaElement::thumbnail;
  case Tag::media_content:
    return MediaElement::content;
  case Tag::itunes_duration:
    return MediaElement::itunes_duration;
  case Tag::itunes_image:
    return MediaElement::itunes_image;
  default:
    return MediaElement::none;
  }
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

// A text construct after feedparser's processing: the value and its MIME type.
struct Construct {
  std::string value;
  std::string type;
  bool out_of_line = false;
};

// Per-entry bookkeeping that feedparser keeps in its element stack and depth maps.
struct EntryState {
  int title_depth = -1, id_depth = -1, summary_depth = -1, author_depth = -1;
  bool link_set = false, summary_seen = false, content_seen = false;
  bool detail_set = false;
  std::optional<std::string> detail_name, detail_email, raw_author;
};

class Walker {
public:
  Walker(Feed& feed, const ParseOptions& options, bool utf8_declared, const Limits& limits)
      : feed_(feed), limits_(limits), utf8_declared_(utf8_declared), base_(options.base_url) {}

  void walk(Node node, std::size_t depth);
  const std::string& version() const { return version_; }
  // sy:updatePeriod × sy:updateFrequency (RSS 1.0 syndication module) as an interval.
  std::optional<std::chrono::seconds> syndication_interval() const;
  bool truncated() const { return truncated_; }
  const std::optional<std::string>& feed_author() const { return feed_author_; }

private:
  struct Ns {
    std::string prefix, uri;
    std::optional<std::string_view> canonical; // canonical_prefix(uri), looked up once
  };

  // The element's canonical name (feedparser's: canonical namespace prefix, '_', local
  // name, lower case) as a Tag.
  Tag element_tag(Node node) const;
  void track_namespaces(Node node);
  void start(Tag tag, Node node, std::size_t depth);
  Construct text_construct(Node node, const char* default_type, bool is_title) const;
  void on_title(Node node, std::size_t depth, bool media);
  void on_link(Node node);
  void on_guid(Node node, std::size_t depth);
  void on_summary(Node node, std::size_t depth, const char* default_type, bool is_description);
  void on_content(Node node, const char* default_type, bool counts_as_content);
  void on_author(Node node, std::size_t depth);
  void read_author(Node node, std::size_t depth);
  void on_enclosure(Node node);
  std::optional<std::string> attr(Node node, std::string_view name) const;
  bool reads_as_plain(std::string_view prefix) const;
  std::string finish_text(std::string s) const;
  std::string resolve(std::string_view ref) const { return url::resolve(base_, ref); }
  bool in_feed_context() const { return !in_entry_ && !in_image_ && !in_textinput_ && !in_source_; }
  bool in_entry_context() const { return in_entry_ && !in_source_; }

  Feed& feed_;
  const Limits& limits_;
  bool utf8_declared_;
  std::string base_;
  std::string version_;
  std::vector<Ns> ns_;
  bool in_entry_ = false, in_image_ = false, in_textinput_ = false, in_source_ = false;
  bool in_author_ = false, author_had_parts_ = false, in_feed_ = false;
  int title_depth_ = -1;
  EntryState es_;
  bool truncated_ = false, feed_link_set_ = false;
  // feedparser's hasContent: global, set by content elements anywhere (even at channel
  // level), cleared when an item ends. It decides whether a second summary is content.
  bool has_content_ = false, feed_summary_seen_ = false;
  std::optional<std::string> sy_period_, sy_frequency_;
  std::optional<std::string> feed_author_; // an Atom feed's own <author>
  MediaReader media_;                      // the current entry's Media RSS and iTunes elements
};

// `name` is lower case; attribute names are matched case-insensitively.
std::optional<std::string> Walker::attr(Node node, std::string_view name) const {
  std::optional<std::string> qualified;
  for (Attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const char* n = a.name();
    if (iequals_c(n, name)) {
      return std::string(a.value());
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
      qualified = std::string(a.value());
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

Tag Walker::element_tag(Node node) const {
  std::string_view qname = node.name();
  auto colon = qname.find(':');
  std::string_view given = colon == std::string_view::npos ? "" : qname.substr(0, colon);
  std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
  const Ns* ns = nullptr;
  for (auto it = ns_.rbegin(); it != ns_.rend(); ++it) {
    if (it->prefix == given) {
      ns = &*it;
      break;
    }
  }
  std::string_view prefix;
  if (ns != nullptr && ns->canonical) {
    prefix = *ns->canonical;
  } else if (ns == nullptr || !given.empty()) {
    prefix = given; // an unknown default namespace is read as no namespace
  }
  // "prefix_local", lower case, built on the stack: every name the walker acts on is
  // shorter than the buffer, so a longer one is Tag::other.
  std::array<char, 32> name;
  const std::size_t size = prefix.size() + (prefix.empty() ? 0 : 1) + local.size();
  if (size > name.size()) {
    return Tag::other;
  }
  std::size_t n = 0;
  for (char c : prefix) {
    name[n++] = lower(c);
  }
  if (!prefix.empty()) {
    name[n++] = '_';
  }
  for (char c : local) {
    name[n++] = lower(c);
  }
  return tag_of(std::string_view(name.data(), n));
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

void Walker::on_title(Node node, std::size_t depth, bool media) {
  Construct c = text_construct(node, "text/plain", true);
  int d = static_cast<int>(depth);
  if (-1 < title_depth_ && title_depth_ <= d) {
    return; // feedparser keeps the shallowest, first title
  }
  if (in_entry_context()) {
    if (es_.title_depth == -1 || d <= es_.title_depth) {
      es_.title_depth = d;
      feed_.entries.back().title = text::capped(as_text(c), text::kMaxTitleBytes);
    }
  } else if (in_feed_context() && in_feed_) {
    feed_.title = as_text(c);
  } else {
    return;
  }
  if (!media && !c.value.empty()) {
    title_depth_ = d;
  }
}

void Walker::on_link(Node node) {
  auto rel = attr(node, "rel").value_or("alternate");
  rel = lower(rel);
  auto type =
      lower(attr(node, "type").value_or(rel == "self" ? "application/atom+xml" : "text/html"));
  // feedparser: url, else uri, else href; an empty href still means "the base".
  auto href = attr(node, "url");
  if (!href || href->empty()) {
    href = attr(node, "uri");
  }
  if (!href || href->empty()) {
    href = attr(node, "href");
  }
  if (in_image_ || in_textinput_ || in_source_) {
    return;
  }
  if (href) {
    std::string resolved = resolve(*href);
    if (in_entry_ && rel == "enclosure") {
      Enclosure e;
      e.url = text::clean(resolved).value_or("");
      e.type = text::clean(type); // feedparser defaults a link's type to text/html
      auto length = attr(node, "length");
      if (length && !length->empty() &&
          std::all_of(length->begin(), length->end(),
                      [](char ch) { return ascii::is_digit(ch); }) &&
          length->size() < 19) {
        e.length = std::stoll(*length);
      }
      if (!e.url.empty()) {
        feed_.entries.back().enclosures.push_back(std::move(e));
      }
    }
    if (rel == "alternate" && is_html_type(map_content_type(type))) {
      if (in_entry_) {
        feed_.entries.back().link = text::clean(resolved);
        es_.link_set = true;
      } else if (in_feed_) {
        feed_.link = text::clean(resolved);
        feed_link_set_ = true;
      }
    }
    return;
  }
  std::string value = text::clean(text::direct_text(node)).value_or("");
  if (!value.empty()) {
    value = resolve(value);
  }
  if (in_entry_) {
    feed_.entries.back().link = text::clean(value);
    es_.link_set = true;
  } else if (in_feed_) {
    feed_.link = text::clean(value);
    feed_link_set_ = true;
  }
}

void Walker::on_guid(Node node, std::size_t depth) {
  if (in_source_ || (in_entry_ && (in_image_ || in_textinput_))) {
    return;
  }
  bool is_link = attr(node, "ispermalink").value_or("true") == "true";
  std::string value = text::clean(text::direct_text(node)).value_or("");
  if (is_link && !value.empty()) {
    value = resolve(value);
  }
  if (!in_entry_) {
    if (in_feed_context() && in_feed_ && is_link && !feed_link_set_) {
      feed_.link = text::clean(resolve(text::clean(text::direct_text(node)).value_or("")));
      feed_link_set_ = true;
    }
    return;
  }
  Entry& e = feed_.entries.back();
  int d = static_cast<int>(depth);
  if (es_.id_depth == -1 || d <= es_.id_depth) {
    es_.id_depth = d;
    e.id = text::clean(value);
  }
  if (is_link && !es_.link_set) {
    e.link = text::clean(value);
    es_.link_set = true;
  }
}

void Walker::on_summary(Node node, std::size_t depth, const char* default_type,
                        bool is_description) {
  if (in_source_ || in_image_ || in_textinput_) {
    return;
  }
  bool& seen = in_entry_ ? es_.summary_seen : feed_summary_seen_;
  if (seen && !has_content_) {
    on_content(node, default_type, true); // a second summary is content (feedparser)
    return;
  }
  if (!in_entry_) {
    // At channel level a description is the subtitle; other summaries count as summary.
    feed_summary_seen_ = feed_summary_seen_ || !is_description;
    return;
  }
  Construct c = text_construct(node, default_type, false);
  int d = static_cast<int>(depth);
  if (es_.summary_depth == -1 || d <= es_.summary_depth) {
    es_.summary_depth = d;
    feed_.entries.back().summary_html = as_html(std::move(c));
  }
  es_.summary_seen = true;
}

void Walker::on_content(Node node, const char* default_type, bool counts_as_content) {
  if (counts_as_content) {
    has_content_ = true;
  }
  if (!in_entry_context()) {
    return;
  }
  if (es_.content_seen) {
    return;
  }
  es_.content_seen = true;
  Construct c = text_construct(node, default_type, false);
  c.out_of_line = attr(node, "src").has_value() && !attr(node, "src")->empty();
  feed_.entries.back().content_html = as_html(std::move(c));
}

void Walker::on_author(Node node, std::size_t depth) {
  if (!in_entry_context()) {
    // An Atom feed's own author: read here, given to author-less entries once the whole
    // document is read (Entry::feed_author).
    if (in_feed_context() && in_feed_ && version_.starts_with("atom") && !feed_author_) {
      const EntryState entry_state = es_;
      es_ = EntryState{};
      read_author(node, depth);
      feed_author_ = es_.detail_name    ? es_.detail_name
                     : es_.detail_email ? es_.detail_email
                                        : es_.raw_author;
      es_ = entry_state;
    }
    return;
  }
  read_author(node, depth);
}

void Walker::read_author(Node node, std::size_t depth) {
  in_author_ = true;
  author_had_parts_ = false;
  for (Node child : node.children()) {
    if (child.type() == pugi::node_element) {
      walk(child, depth + 1);
    }
  }
  in_author_ = false;
  if (author_had_parts_) {
    return;
  }
  auto raw = text::clean(finish_text(text::direct_text(node)));
  int d = static_cast<int>(depth);
  if (es_.author_depth == -1 || d <= es_.author_depth) {
    es_.author_depth = d;
    es_.raw_author = raw;
  }
  if (raw && !es_.detail_set) {
    text::Person p = text::split_author(*raw);
    if (p.name || p.email) {
      es_.detail_set = true;
      es_.detail_name = p.name;
      es_.detail_email = p.email;
    }
  }
}

void Walker::on_enclosure(Node node) {
  if (!in_entry_context()) {
    return;
  }
  auto href = attr(node, "url");
  if (!href) {
    href = attr(node, "uri");
  }
  if (!href) {
    href = attr(node, "href");
  }
  auto url = text::clean(href.value_or(""));
  if (!url) {
    return;
  }
  Enclosure e;
  e.url = *url;
  e.type = text::clean(attr(node, "type").value_or(""));
  auto length = text::clean(attr(node, "length").value_or(""));
  if (length && length->size() < 19 &&
      std::all_of(length->begin(), length->end(), [](char ch) { return ascii::is_digit(ch); })) {
    e.length = std::stoll(*length);
  }
  feed_.entries.back().enclosures.push_back(std::move(e));
}

void Walker::start(Tag tag, Node node, std::size_t depth) {
  auto date_of = [&] { return parse_date(text::clean(text::direct_text(node)).value_or("")); };
  if (const MediaElement media = media_element(tag);
      media != MediaElement::none && in_entry_context()) {
    media_.on_element(media, node, base_, feed_.entries.back());
  }
  if (tag == Tag::title || tag == Tag::dc_title || tag == Tag::media_title) {
    on_title(node, depth, tag == Tag::media_title);
  } else if (tag == Tag::link) {
    on_link(node);
  } else if (tag == Tag::guid || tag == Tag::id) {
    on_guid(node, depth);
  } else if (tag == Tag::description || tag == Tag::dc_description ||
             tag == Tag::media_description) {
    on_summary(node, depth, "text/html", true);
  } else if (tag == Tag::summary || tag == Tag::itunes_summary) {
    on_summary(node, depth, "text/plain", false);
  } else if (tag == Tag::abstract) {
    on_summary(node, depth, "text/plain", true);
  } else if (tag == Tag::content) {
    on_content(node, "text/plain", true);
  } else if (tag == Tag::content_encoded || tag == Tag::fullitem) {
    on_content(node, "text/html", true);
  } else if (tag == Tag::body || tag == Tag::xhtml_body) {
    on_content(node, "application/xhtml+xml", false);
  } else if (tag == Tag::pubdate || tag == Tag::published || tag == Tag::issued ||
             tag == Tag::dcterms_issued) {
    if (in_entry_context()) {
      feed_.entries.back().published = date_of();
    }
  } else if (tag == Tag::updated || tag == Tag::modified || tag == Tag::lastbuilddate ||
             tag == Tag::dc_date || tag == Tag::dcterms_modified) {
    if (in_entry_context()) {
      feed_.entries.back().updated = date_of();
    }
  } else if (tag == Tag::enclosure) {
    on_enclosure(node);
  } else if (tag == Tag::category || tag == Tag::dc_subject) {
    if (in_entry_context()) {
      auto term = text::clean(attr(node, "term").value_or(text::direct_text(node)));
      if (term) {
        feed_.entries.back().categories.push_back(*term);
      }
    }
  } else if (tag == Tag::comments) {
    if (in_entry_context()) {
      if (auto v = text::clean(text::direct_text(node))) {
        feed_.entries.back().comments = resolve(*v);
      }
    }
  } else if (tag == Tag::ttl) {
    if (!in_entry_) {
      auto v = text::clean(text::direct_text(node)).value_or("");
      if (!v.empty() && v.size() < 9 &&
          std::all_of(v.begin(), v.end(), [](char ch) { return ascii::is_digit(ch); })) {
        feed_.ttl = std::chrono::minutes(std::stol(v)); // RSS 2.0: minutes
      }
    }
  } else if (tag == Tag::sy_updateperiod) {
    sy_period_ = text::clean(text::direct_text(node));
  } else if (tag == Tag::sy_updatefrequency) {
    sy_frequency_ = text::clean(text::direct_text(node));
  } else if (in_author_ && (tag == Tag::name || tag == Tag::email)) {
    author_had_parts_ = true;
    auto v = text::clean(finish_text(text::direct_text(node)));
    es_.detail_set = true;
    (tag == Tag::name ? es_.detail_name : es_.detail_email) = v;
  }
}

void Walker::walk(Node node, std::size_t depth) {
  if (depth > limits_.max_depth) {
    truncated_ = true;
    return;
  }
  std::size_t ns_mark = ns_.size();
  // Most elements have no attributes: their namespace and base lookups are skipped.
  std::optional<std::string> xml_base;
  if (node.first_attribute()) {
    track_namespaces(node);
    if (has_base_attribute(node)) {
      xml_base = attr(node, "xml:base");
      if (!xml_base) {
        xml_base = attr(node, "base");
      }
    }
  }
  // Saved only when this element sets a base: without one, the restore below would be a
  // no-op (children restore a non-empty base themselves), and copying the URL for every
  // element was a measurable share of parse time.
  std::optional<std::string> saved_base;
  if (xml_base) {
    // A base with any scheme but http, https or mailto (javascript:, data:) is not
    // applied: every relative link below it would take that scheme.
    std::string resolved = url::resolve(base_, *xml_base);
    if (url::is_safe(resolved)) {
      saved_base = base_;
      base_ = std::move(resolved);
    }
  }
  Tag tag = element_tag(node);
  bool descend = true;
  bool was_entry = in_entry_, was_image = in_image_, was_textinput = in_textinput_;
  bool was_source = in_source_, was_feed = in_feed_;
  if (tag == Tag::rss) {
    if (!version_.starts_with("rss")) {
      std::string v = attr(node, "version").value_or("");
      version_ = v == "0.91"           ? "rss091u"
                 : v == "0.92"         ? "rss092"
                 : v == "0.93"         ? "rss093"
                 : v == "0.94"         ? "rss094"
                 : v.starts_with("2.") ? "rss20"
                                       : "rss";
    }
  } else if (tag == Tag::feed) {
    in_feed_ = true;
    if (version_.empty()) {
      std::string v = attr(node, "version").value_or("");
      version_ = (v == "0.1" || v == "0.2" || v == "0.3") ? "atom0" + v.substr(2) : "atom";
    }
  } else if (tag == Tag::channel) {
    in_feed_ = true;
  } else if (tag == Tag::item || tag == Tag::entry) {
    if (feed_.entries.size() >= limits_.max_entries) {
      truncated_ = true;
      descend = false;
    } else {
      feed_.entries.emplace_back();
      es_ = EntryState{};
      in_entry_ = true;
      title_depth_ = -1;
      auto about = attr(node, "rdf:about");
      if (about) {
        feed_.entries.back().id = text::clean(*about);
      }
    }
  } else if (tag == Tag::image) {
    in_image_ = true;
    title_depth_ = -1;
  } else if (tag == Tag::textinput) {
    in_textinput_ = true;
    title_depth_ = -1;
  } else if (tag == Tag::source) {
    in_source_ = true;
    title_depth_ = -1;
  } else if (tag == Tag::author || tag == Tag::dc_creator || tag == Tag::dc_author ||
             tag == Tag::itunes_author || tag == Tag::managingeditor) {
    on_author(node, depth);
    descend = false;
  } else {
    start(tag, node, depth);
    // Text constructs were read whole; their markup holds no feed elements.
    descend = !(tag == Tag::title || tag == Tag::description || tag == Tag::summary ||
                tag == Tag::content || tag == Tag::content_encoded || tag == Tag::body ||
                tag == Tag::xhtml_body || tag == Tag::dc_description || tag == Tag::dc_title ||
                tag == Tag::media_title || tag == Tag::abstract || tag == Tag::fullitem ||
                tag == Tag::media_description || tag == Tag::itunes_summary);
    if ((tag == Tag::body || tag == Tag::xhtml_body) && !in_entry_) {
      descend = true; // only an entry's body is content (feedparser reads on)
    }
  }
  if (descend) {
    for (Node child : node.children()) {
      if (child.type() == pugi::node_element) {
        walk(child, depth + 1);
      }
    }
  }
  if (in_entry_ && !was_entry) {
    Entry& e = feed_.entries.back();
    media_.finish(e);
    e.author = es_.detail_name    ? es_.detail_name
               : es_.detail_email ? es_.detail_email
                                  : es_.raw_author;
  }
  // feedparser leaves an entry when any <item> ends, even a nested one.
  in_entry_ = (tag == Tag::item || tag == Tag::entry) ? false : was_entry;
  if (tag == Tag::item || tag == Tag::entry) {
    has_content_ = false;
  }
  in_image_ = was_image;
  in_textinput_ = was_textinput;
  in_source_ = was_source;
  in_feed_ = was_feed;
  // feedparser restores the enclosing base only when it is non-empty, so an xml:base
  // below a base-less element stays in force afterwards; reproduced for link fidelity.
  if (saved_base && !saved_base->empty()) {
    base_ = std::move(*saved_base);
  }
  ns_.resize(ns_mark);
}

std::optional<std::chrono::seconds> Walker::syndication_interval() const {
  if (!sy_period_) {
    return std::nullopt;
  }
  std::string period = lower(*sy_period_);
  long seconds = period == "hourly"    ? 3600L
                 : period == "daily"   ? 86400L
                 : period == "weekly"  ? 7 * 86400L
                 : period == "monthly" ? 30 * 86400L
                 : period == "yearly"  ? 365 * 86400L
                                       : 0L;
  long frequency = 1;
  if (sy_frequency_ && !sy_frequency_->empty() && sy_frequency_->size() < 6 &&
      std::all_of(sy_frequency_->begin(), sy_frequency_->end(),
                  [](char ch) { return ascii::is_digit(ch); })) {
    frequency = std::max(1L, std::stol(*sy_frequency_));
  }
  if (seconds == 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds / frequency);
}

Format format_of(std::string_view version) {
  if (version == "rss090" || version == "rss091u" || version == "rss091n" || version == "rss092" ||
      version == "rss093" || version == "rss094") {
    return Format::rss09x;
  }
  if (version == "rss10") {
    return Format::rss10;
  }
  if (version == "rss20" || version == "rss") {
    return Format::rss20;
  }
  if (version == "atom01" || version == "atom02" || version == "atom03") {
    return Format::atom03;
  }
  if (version == "atom10" || version == "atom") {
    return Format::atom10;
  }
  return Format::unknown;
}

} // namespace

ParseResult parse_document(std::string& utf8, const ParseOptions& options, std::string bozo,
                           bool utf8_declared, const Limits& limits) {
  // Parsed in place: the tree points into `utf8`. No DOCTYPE (the pre-pass removed it), PI
  // or comment nodes; pugixml expands nothing beyond the five predefined and numeric
  // references. parse_embed_pcdata stores an element's leading text as its value instead
  // of a child node (text::direct_text and text::inner_markup read it there). The parser
  // is iterative: nesting depth costs no stack. On an error it stops and keeps the tree
  // built so far.
  pugi::xml_document doc;
  const unsigned flags = pugi::parse_cdata | pugi::parse_escapes | pugi::parse_eol |
                         pugi::parse_wconv_attribute | pugi::parse_embed_pcdata;
  const pugi::xml_parse_result r =
      doc.load_buffer_inplace(utf8.data(), utf8.size(), flags, pugi::encoding_utf8);
  Node root;
  for (Node n : doc.children()) {
    if (n.type() == pugi::node_element) {
      root = n;
      break;
    }
  }
  const std::string error =
      "XML error at offset " + std::to_string(r.offset) + ": " + r.description();
  if (!root) {
    return ParseError{
        std::string("not a feed: ") +
        (r || r.status == pugi::status_no_document_element ? "no XML element" : error)};
  }
  if (!r) {
    bozo += bozo.empty() ? "" : "; ";
    bozo += error + " (recovered what precedes it)";
  }
  Feed feed;
  // Entries are counted first so that the vector is allocated once at its final size: growing
  // it by doubling would hold up to three times the entries' size at the last reallocation
  // (an Entry is ~360 bytes, a small entry's XML often less).
  feed.entries.reserve(std::min(count_entry_elements(doc), limits.max_entries));
  Walker walker(feed, options, utf8_declared, limits);
  for (Node n : doc.children()) {
    if (n.type() == pugi::node_element) {
      walker.walk(n, 0);
    }
  }
  feed.format = format_of(walker.version());
  if (const auto& author = walker.feed_author()) {
    for (Entry& e : feed.entries) {
      if (!e.author) {
        e.feed_author = author;
      }
    }
  }
  if (!feed.ttl) {
    feed.ttl = walker.syndication_interval();
  }
  if (walker.truncated()) {
    bozo += bozo.empty() ? "" : "; ";
    bozo += "document exceeds depth or entry limits (truncated)";
  }
  if (!bozo.empty()) {
    feed.bozo = bozo;
  }
  return feed;
}

} // namespace feedpop::feeds::xml
