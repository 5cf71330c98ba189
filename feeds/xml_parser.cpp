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
#include "feeds/xml_walker.hpp"

namespace feedpop::feeds::xml::walker_detail {

namespace {

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

} // namespace

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

} // namespace feedpop::feeds::xml::walker_detail

namespace feedpop::feeds::xml {

namespace {

using walker_detail::count_entry_elements;
using walker_detail::Node;
using walker_detail::Walker;

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
