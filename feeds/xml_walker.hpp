#pragma once
// The XML feed walker behind xml::parse_document (xml_parser.hpp), shared by its files:
// xml_tags.cpp (element names → Tag), xml_walker_text.cpp (attributes, namespaces, text
// constructs), xml_handlers.cpp (title, link, id, summary, content, author, enclosure) and
// xml_parser.cpp (the walk itself). Internal to feeds.

#include <chrono>
#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.hpp"
#include "feeds/parse.hpp"
#include "feeds/url.hpp"
#include "feeds/xml_media.hpp"
#include "feeds/xml_parser.hpp"

namespace feedpop::feeds::xml::walker_detail {

using ascii::lower;
using Node = pugi::xml_node;
using Attribute = pugi::xml_attribute;

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
  // attr() without the copy: the value where the parsed document holds it.
  std::optional<std::string_view> attr_view(Node node, std::string_view name) const;
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

// `s` (NUL-terminated, as pugixml's names are) equals `lower_word` ignoring ASCII case:
// attribute names are matched without measuring or copying them.
bool iequals_c(const char* s, std::string_view lower_word);

// Namespace URI → feedparser's canonical prefix ("" for the feed formats themselves).
std::optional<std::string_view> canonical_prefix(std::string_view uri_lower);

Tag tag_of(std::string_view name);
MediaElement media_element(Tag tag);

bool is_html_type(std::string_view t);
std::string map_content_type(std::string_view t);
std::optional<std::string> as_html(Construct c);
std::optional<std::string> as_text(const Construct& c);

} // namespace feedpop::feeds::xml::walker_detail
