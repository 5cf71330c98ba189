#include "mail/body.hpp"

#include <array>

#include <fmt/format.h>

#include "common/utf8.hpp"
#include "feeds/html.hpp"
#include "feeds/url.hpp"
#include "mail/header_encoding.hpp"
#include "mail/media.hpp"
#include "mail/text_rendering.hpp"

namespace feedpop::mail {
namespace {

using feeds::html::escape;

const std::optional<std::string>& source_html(const feeds::Entry& entry) {
  return entry.content_html ? entry.content_html : entry.summary_html;
}

// Only http, https and mailto URLs become links or listed URLs in what we write ourselves
// (the sanitiser guards the feed's own markup; this guards the feed's link fields).
bool is_safe_url(std::string_view url) {
  return feeds::url::has_safe_scheme(url);
}

std::string feed_name(const FeedInfo& feed) {
  std::string name = feed.title ? normalize_text(*feed.title) : std::string();
  return name.empty() ? feed.key : name;
}

// The file name a reader recognises: the URL's last path segment, else the URL.
std::string enclosure_name(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return std::string(name.empty() ? url : name);
}

// "audio/mpeg, 12.0 MB, 1:02:03": what is known of type, size and playing time.
std::string enclosure_details(const feeds::Enclosure& enclosure) {
  std::string details = enclosure.type ? normalize_text(*enclosure.type) : std::string();
  if (enclosure.length && *enclosure.length > 0) {
    details += details.empty() ? "" : ", ";
    details += format_size(*enclosure.length);
  }
  if (enclosure.duration && enclosure.duration->count() > 0) {
    details += details.empty() ? "" : ", ";
    details += format_duration(*enclosure.duration);
  }
  return details;
}

std::string enclosure_note(const feeds::Enclosure& enclosure, const EnclosureNotes& notes) {
  const auto it = notes.find(enclosure.url);
  return it == notes.end() ? std::string() : normalize_text(it->second);
}

std::string plain_enclosures(const feeds::Entry& entry, const EnclosureNotes& notes) {
  std::string out;
  if (entry.enclosures.empty()) {
    return out;
  }
  out += "Attachments:\n";
  for (const auto& enclosure : entry.enclosures) {
    // The URL whole on its own line, never wrapped; a URL of another scheme by its name.
    const std::string url = utf8::repair(enclosure.url);
    out += fmt::format("\xE2\x80\xA2 {}\n", is_safe_url(url) ? url : enclosure_name(url));
    if (const std::string details = enclosure_details(enclosure); !details.empty()) {
      out += fmt::format("  {}\n", details);
    }
    if (const std::string note = enclosure_note(enclosure, notes); !note.empty()) {
      out += fmt::format("  {}\n", note);
    }
  }
  return out;
}

std::string html_enclosures(const feeds::Entry& entry, const EnclosureNotes& notes) {
  if (entry.enclosures.empty()) {
    return {};
  }
  std::string out = "<div style=\"margin-top:1em;border-top:1px solid #ccc;padding-top:0.5em\">"
                    "<p>Attachments:</p>\n<ul>\n";
  for (const auto& enclosure : entry.enclosures) {
    const std::string url = utf8::repair(enclosure.url);
    const std::string name = escape(enclosure_name(url));
    out += is_safe_url(url) ? fmt::format("<li><a href=\"{}\">{}</a>", escape(url), name)
                            : fmt::format("<li>{}", name);
    if (const std::string details = enclosure_details(enclosure); !details.empty()) {
      out += fmt::format(" ({})", escape(details));
    }
    if (const std::string note = enclosure_note(enclosure, notes); !note.empty()) {
      out += fmt::format(" &mdash; {}", escape(note));
    }
    out += "</li>\n";
  }
  out += "</ul></div>\n";
  return out;
}

// A video link without a thumbnail comes from the sanitiser empty (feeds/html_embeds.hpp):
// <a href="URL" data-feedpop-video="TITLE"></a>. It gets its words here: "▶ Video: URL".
std::string label_video_links(std::string_view html) {
  static constexpr std::string_view marker = "\" data-feedpop-video=\"";
  static constexpr std::string_view anchor = "<a href=\"";
  std::string out;
  std::size_t done = 0;
  for (auto at = html.find(marker); at != std::string_view::npos; at = html.find(marker, at + 1)) {
    const auto start = html.rfind(anchor, at);
    const auto value_end = html.find('"', at + marker.size());
    if (start == std::string_view::npos || value_end == std::string_view::npos ||
        html.substr(value_end, 6) != "\"></a>" ||
        html.substr(start, at - start).find('>') != std::string_view::npos) {
      continue;
    }
    const std::string_view href = html.substr(start + anchor.size(), at - start - anchor.size());
    out.append(html.substr(done, value_end + 2 - done));
    out += "\xE2\x96\xB6 Video: ";
    out.append(href); // already escaped in the attribute
    done = value_end + 2;
  }
  out.append(html.substr(done));
  return out;
}

std::string html_document(const feeds::Entry& entry, const FeedInfo& feed,
                          std::chrono::sys_seconds date, std::string_view content,
                          const EnclosureNotes& notes) {
  const std::string name = escape(feed_name(feed));
  const std::string title = escape(subject_text(entry));
  std::string meta = (feed.link && is_safe_url(*feed.link))
                         ? fmt::format("<a href=\"{}\">{}</a>", escape(*feed.link), name)
                         : name;
  if (const auto& who = entry.author ? entry.author : entry.feed_author) {
    // The feed's name is already the line's first word: an author equal to it (blogs
    // written by one person under their own name) is not repeated.
    if (const std::string author = normalize_text(*who);
        !author.empty() && author != feed_name(feed)) {
      meta += " &middot; " + escape(author);
    }
  }
  meta += " &middot; " + readable_date(date);
  if (entry.link && is_safe_url(*entry.link)) {
    meta += fmt::format("<br>\n<a href=\"{}\">Read the original</a>", escape(*entry.link));
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n"
      "</head>\n<body>\n<div style=\"font-family:sans-serif;font-size:0.9em;color:#555;"
      "border-bottom:1px solid #ccc;padding-bottom:0.5em;margin-bottom:1em\">\n{}\n</div>\n"
      "<div>\n{}\n</div>\n{}</body>\n</html>\n",
      title, meta, content, html_enclosures(entry, notes));
}

} // namespace

std::string readable_date(std::chrono::sys_seconds time) {
  static constexpr std::array<std::string_view, 12> months = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{time - days};
  return fmt::format("{} {} {:04} {:02}:{:02} UTC", static_cast<unsigned>(ymd.day()),
                     months[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                     hms.hours().count(), hms.minutes().count());
}

std::string format_size(std::int64_t bytes) {
  if (bytes < 1000) {
    return fmt::format("{} bytes", bytes);
  }
  static constexpr std::array<std::string_view, 5> units = {"kB", "MB", "GB", "TB", "PB"};
  double value = static_cast<double>(bytes) / 1000.0;
  std::size_t unit = 0;
  while (value >= 999.95 && unit + 1 < units.size()) {
    value /= 1000.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

BodyParts render_body(const feeds::Entry& entry, const FeedInfo& feed,
                      std::chrono::sys_seconds date, bool html_sanitized,
                      const EnclosureNotes& enclosure_notes) {
  const std::optional<std::string> media = media_body_html(entry);
  const auto& source = media ? media : source_html(entry);
  TextRendering text;
  if (source) {
    text = html_to_text(*source);
  }
  BodyParts parts;
  parts.plain = std::move(text.text);
  if (const std::string enclosures = plain_enclosures(entry, enclosure_notes);
      !enclosures.empty()) {
    parts.plain += parts.plain.empty() ? "" : "\n";
    parts.plain += enclosures;
  }
  // RFC 3676 §4.3 signature separator: clients dim the footer and leave it out of replies.
  parts.plain += fmt::format("{}-- \n{}\n", parts.plain.empty() ? "" : "\n", feed_name(feed));
  const bool safe_link = entry.link && is_safe_url(*entry.link);
  if (safe_link) {
    parts.plain += utf8::repair(*entry.link) + "\n";
  }
  if (source && text.has_markup) {
    const std::string base = safe_link ? *entry.link : feed.url;
    parts.html = html_document(
        entry, feed, date,
        label_video_links(html_sanitized ? *source
                                         : feeds::html::sanitize(utf8::repair(*source), base)),
        enclosure_notes);
  }
  return parts;
}

} // namespace feedpop::mail
