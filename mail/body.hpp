#pragma once
// The two renderings of an entry's body (RFC 2046 §5.1.4 multipart/alternative): the
// text/plain one and, when the entry has markup, a complete HTML document with a small
// header (feed, author, date, link to the original) and the enclosures. Images and media
// stay remote: nothing is fetched or embedded. Pure and deterministic.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "feeds/entry.hpp"
#include "mail/render.hpp"

namespace feedpop::mail {

struct BodyParts {
  std::string plain;               // "\n" line ends
  std::optional<std::string> html; // absent for plain-text-only entries
};

// html_sanitized: see RenderOptions::html_sanitized.
BodyParts render_body(const feeds::Entry& entry, const FeedInfo& feed,
                      std::chrono::sys_seconds date, bool html_sanitized = false);

// "512 bytes", "12.3 kB", "45.0 MB", "1.2 GB" (SI units, as podcast players show them).
std::string format_size(std::int64_t bytes);

} // namespace feedpop::mail
