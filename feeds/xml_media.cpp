#include "feeds/xml_media.hpp"

#include <algorithm>

#include "common/ascii.hpp"
#include "feeds/html.hpp"
#include "feeds/text_construct.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::xml {

namespace {

// A description longer than this is cut (at a character boundary): YouTube's are at most
// 5,000 characters; anything far beyond is not a description.
constexpr std::size_t kMaxDescriptionBytes = 64 * 1024;

std::optional<std::string> url_attribute(pugi::xml_node node, const char* name,
                                         std::string_view base) {
  auto v = text::clean(node.attribute(name).value());
  if (!v) {
    return std::nullopt;
  }
  std::string resolved = url::resolve(base, *v);
  return url::has_safe_scheme(resolved) ? std::optional(std::move(resolved)) : std::nullopt;
}

// Plain text with its line breaks: CR LF and CR become LF, trailing blanks go.
std::string plain_lines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      i += (i + 1 < s.size() && s[i + 1] == '\n') ? 1 : 0;
    } else {
      out += s[i];
    }
  }
  return out;
}

} // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  text = ascii::trim(text);
  if (const auto dot = text.find('.'); dot != std::string_view::npos) {
    const std::string_view fraction = text.substr(dot + 1);
    if (!std::all_of(fraction.begin(), fraction.end(), ascii::is_digit)) {
      return std::nullopt;
    }
    text = text.substr(0, dot);
  }
  long long total = 0;
  int fields = 0;
  while (!text.empty()) {
    const std::string_view field = text.substr(0, text.find(':'));
    if (field.empty() || field.size() > 9 || ++fields > 3 ||
        !std::all_of(field.begin(), field.end(), ascii::is_digit)) {
      return std::nullopt;
    }
    total = total * 60 + std::stoll(std::string(field));
    text.remove_prefix(std::min(text.size(), field.size() + 1));
  }
  return fields == 0 ? std::nullopt : std::optional(std::chrono::seconds(total));
}

void MediaReader::on_element(MediaElement kind, pugi::xml_node node, std::string_view base,
                             Entry& entry) {
  Media& m = entry.media;
  switch (kind) {
  case MediaElement::none:
    break;
  case MediaElement::title:
    if (!m.title) {
      const std::string raw = text::direct_text(node);
      m.title = ascii::lower(node.attribute("type").value()) == "html"
                    ? text::clean(html::to_text(raw))
                    : text::clean(raw);
    }
    break;
  case MediaElement::description:
    if (!m.description) {
      const std::string raw = text::direct_text(node);
      m.description = text::capped(ascii::lower(node.attribute("type").value()) == "html"
                                       ? text::clean(html::to_text(raw))
                                       : text::clean(plain_lines(raw)),
                                   kMaxDescriptionBytes);
    }
    break;
  case MediaElement::thumbnail:
    if (!m.thumbnail) {
      m.thumbnail = url_attribute(node, "url", base);
    }
    break;
  case MediaElement::content: {
    const auto url = url_attribute(node, "url", base);
    const std::string medium = ascii::lower(node.attribute("medium").value());
    const std::string type = ascii::lower(node.attribute("type").value());
    if (url && !content_image_ && (medium == "image" || type.starts_with("image/"))) {
      content_image_ = url;
    }
    m.video = m.video || medium == "video" || type.starts_with("video/") ||
              type == "application/x-shockwave-flash";
    const auto duration = parse_duration(node.attribute("duration").value());
    if (url && duration) {
      content_durations_.emplace_back(*url, *duration);
    }
    break;
  }
  case MediaElement::itunes_duration:
    itunes_duration_ = parse_duration(text::direct_text(node));
    break;
  case MediaElement::itunes_image:
    if (!itunes_image_) {
      itunes_image_ = url_attribute(node, "href", base);
    }
    break;
  }
}

void MediaReader::finish(Entry& entry) {
  for (Enclosure& e : entry.enclosures) {
    for (const auto& [url, duration] : content_durations_) {
      if (!e.duration && e.url == url) {
        e.duration = duration;
      }
    }
  }
  if (itunes_duration_ && !entry.enclosures.empty() && !entry.enclosures.front().duration) {
    entry.enclosures.front().duration = itunes_duration_;
  }
  if (!entry.media.thumbnail) {
    entry.media.thumbnail = content_image_ ? content_image_ : itunes_image_;
  }
  *this = MediaReader{};
}

} // namespace feedpop::feeds::xml
