#pragma once
// Media feeds' entries in messages. YouTube's Atom entries, and many podcasts', carry no
// content, only Media RSS (feeds::Media): their body is built here from the thumbnail and
// the plain-text description. Pure functions; the HTML written is sanitised by
// construction (every value escaped, only http(s) URLs).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "feeds/entry.hpp"

namespace feedpop::mail {

// The body of an entry without content_html that has a media description or thumbnail:
// the thumbnail (for a video, linked to the entry's link and marked as feeds/html_embeds.hpp
// marks video links, so the text part reads "[video: TITLE] URL"), then the description
// (linkify()) or, without one, the entry's summary. std::nullopt for any other entry.
std::optional<std::string> media_body_html(const feeds::Entry& entry);

// Plain text as HTML: paragraphs at blank lines, line breaks kept, http(s) URLs as links
// (trailing punctuation and an unbalanced ")" stay outside the link).
std::string linkify(std::string_view text);

// "42:05", "1:02:03" (as podcast players show playing time).
std::string format_duration(std::chrono::seconds duration);

} // namespace feedpop::mail
