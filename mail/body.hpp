#pragma once
// The two renderings of an entry's body (RFC 2046 §5.1.4 multipart/alternative): the
// text/plain one and, when the entry has markup, a complete HTML document with a small
// header (feed, author, date, link to the original) and the enclosures (type, size,
// playing time, what became of each). Nothing is fetched here: images and enclosures
// carried in the message are given by the caller (mail/render.hpp). Pure and deterministic.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "feeds/entry.hpp"
#include "mail/render.hpp"

namespace feedpop::mail {

struct BodyParts {
  std::string plain;               // "\n" line ends
  std::optional<std::string> html; // absent for plain-text-only entries
};

// What became of an enclosure, by its URL ("attached", "not attached: ..."): shown with it.
using EnclosureNotes = std::map<std::string, std::string>;

// html_sanitized: see RenderOptions::html_sanitized. An entry without content but with
// media (mail/media.hpp) gets the media body.
BodyParts render_body(const feeds::Entry& entry, const FeedInfo& feed,
                      std::chrono::sys_seconds date, bool html_sanitized = false,
                      const EnclosureNotes& enclosure_notes = {});

// "7 Dec 2026 10:50 UTC": the date line of the HTML header (and of digest entries).
std::string readable_date(std::chrono::sys_seconds time);

// "512 bytes", "12.3 kB", "45.0 MB", "1.2 GB" (SI units, as podcast players show them).
std::string format_size(std::int64_t bytes);

} // namespace feedpop::mail
