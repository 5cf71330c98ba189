#pragma once
// Media RSS (www.rssboard.org/media-rss) and iTunes podcast elements of an entry, read into
// Entry::media and Enclosure::duration (internal to feeds/, used by the XML walker).
// media:content is not an enclosure (FEED_JSON.md): it only lends its duration to the
// enclosure of the same URL, and an image one stands in for a missing thumbnail.

#include <chrono>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "feeds/entry.hpp"

namespace feedpop::feeds::xml {

enum class MediaElement {
  none,
  title,           // media:title
  description,     // media:description (type="plain" by default, or "html")
  thumbnail,       // media:thumbnail url=
  content,         // media:content url= duration= medium= type=
  itunes_duration, // itunes:duration: seconds, MM:SS or HH:MM:SS
  itunes_image,    // itunes:image href=
};

// "3600", "59:59", "1:02:03", "1:02:03.5" → seconds; nullopt for anything else.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// One entry's media elements, in document order; finish() applies what depends on
// elements that may come later (an <enclosure> after its media:content).
class MediaReader {
public:
  void on_element(MediaElement kind, pugi::xml_node node, std::string_view base, Entry& entry);
  void finish(Entry& entry);

private:
  std::vector<std::pair<std::string, std::chrono::seconds>> content_durations_; // url → duration
  std::optional<std::chrono::seconds> itunes_duration_;
  std::optional<std::string> content_image_, itunes_image_;
};

} // namespace feedpop::feeds::xml
