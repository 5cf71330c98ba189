#pragma once
// The normalised feed model every parser yields (STYLE.md §6). Plain values, no I/O.
// Field meanings follow shared/tools/FEED_JSON.md: strings are trimmed, absent and
// empty are the same (std::nullopt), HTML values are sanitised and absolute.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedpop::feeds {

enum class Format { unknown, rss09x, rss10, rss20, atom03, atom10, json };

struct Enclosure {
  std::string url;
  std::optional<std::string> type;
  std::optional<std::int64_t> length;
  // Playing time: the media:content of the same URL's duration attribute, or the entry's
  // itunes:duration for its first enclosure. Not in FEED_JSON's schema (an extra key).
  // (A default member initializer: aggregate initialisations that stop at `length` stay
  // free of -Wmissing-field-initializers.)
  std::optional<std::chrono::seconds> duration{};
  friend bool operator==(const Enclosure&, const Enclosure&) = default;
};

// What media feeds (YouTube channels, podcasts, video sites) say about an entry beyond
// FEED_JSON's fields: Media RSS (www.rssboard.org/media-rss: media:group, media:title,
// media:description, media:thumbnail) and itunes:image. YouTube's entries have no content
// but these. mail/ renders them when the entry has no content of its own.
struct Media {
  std::optional<std::string> title;       // media:title, plain text
  std::optional<std::string> description; // media:description as plain text, line breaks kept
  std::optional<std::string> thumbnail;   // absolute URL: first media:thumbnail, else itunes:image
  // The entry is a video: a media:content with medium="video", a video/ or Flash type
  // (YouTube's player). Its thumbnail then stands for the video in messages.
  bool video = false;
  bool empty() const { return !title && !description && !thumbnail; }
  friend bool operator==(const Media&, const Media&) = default;
};

struct Entry {
  std::optional<std::string> id;     // guid / atom:id / rdf:about / JSON id, verbatim
  std::optional<std::string> title;  // plain text
  std::optional<std::string> link;   // absolute alternate URL
  std::optional<std::string> author; // display name, else e-mail, else raw text
  std::optional<std::chrono::sys_seconds> published;
  std::optional<std::chrono::sys_seconds> updated;
  std::optional<std::string> summary_html;
  std::optional<std::string> content_html;
  std::vector<Enclosure> enclosures;
  std::vector<std::string> categories;
  std::optional<std::string> comments; // RSS <comments> URL
  // The author an Atom feed names for its entries (RFC 4287 §4.2.1: a feed's <author>
  // applies to every entry without one), set only when `author` is absent. Kept apart
  // from `author`, which stays what the entry itself says (as feedparser reports it).
  std::optional<std::string> feed_author;
  Media media;
  friend bool operator==(const Entry&, const Entry&) = default;
};

struct Feed {
  Format format = Format::unknown;
  std::optional<std::string> title;
  std::optional<std::string> link;
  std::vector<Entry> entries;
  // The feed's own polling hint: RSS <ttl>, or sy:updatePeriod × sy:updateFrequency.
  std::optional<std::chrono::seconds> ttl;
  // Set when the document was recovered from malformed input (feedparser's "bozo").
  std::optional<std::string> bozo;
};

} // namespace feedpop::feeds
