#pragma once
// feeds::Entry → one RFC 5322 message (RFC 2045–2049, 2047), pure and deterministic:
// the same inputs always give the same bytes (DESIGN.md: render once, at ingest).
// Output uses CRLF line ends only and no line exceeds 998 octets.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "feeds/entry.hpp"

namespace feedpop::mail {

struct FeedInfo {
  std::string key;                  // feed key from feeds.yaml: From: <key@hostname>
  std::optional<std::string> title; // display name (feed title from config or document)
  std::string url;                  // X-Feed-URL
  std::optional<std::string> link;  // feed home page
};

// An image carried inside the message (per feed `images: inline`): the HTML part's
// src="url" (as written in the entry's HTML, entities included) becomes src="cid:...".
struct InlineImage {
  std::string url;        // the src attribute value as it appears in the HTML
  std::string content_id; // without angle brackets
  std::string type;       // image/jpeg, image/png, image/gif, image/webp
  std::string bytes;
};

// An enclosure carried in the message (per feed `enclosures: attach`).
struct Attachment {
  std::string url;      // the enclosure's URL, as in Entry::enclosures
  std::string filename; // shown to the reader; ASCII is written as is, else RFC 2231
  std::string type;     // media type, e.g. audio/mpeg
  std::string bytes;
};

struct RenderOptions {
  std::string hostname = "feedpop.localhost";
  std::string identity;                   // the entry's stable identity: Message-ID, X-Entry-ID
  std::chrono::sys_seconds first_seen{};  // Date: when the entry has no date
  std::optional<std::string> in_reply_to; // Message-ID of an earlier version (on_update)
  // An updated entry (on_update: redeliver): the Subject becomes "Updated: " + the title,
  // and this note ("Title was: …; 12 words added, 3 removed") opens the text, prefixed
  // "Changed since the last mail: ".
  std::optional<std::string> update_note;
  // The entry comes straight from feeds::parse, whose HTML values are already sanitised
  // (FEED_JSON.md "HTML values") and valid UTF-8: the HTML part uses them as they are
  // instead of sanitising them a second time. Leave false for entries built elsewhere.
  bool html_sanitized = false;
  // With images, the HTML part becomes multipart/related (RFC 2387): the HTML, then
  // each image as a base64 part with its Content-ID (RFC 2392), the HTML pointing at it.
  std::vector<InlineImage> images;
  // Tags the feed's rules gave the entry (content/rules.hpp): a Keywords field (RFC 5322
  // §3.6.5), which tag views (`user+TAG`) select by. Mail-safe atoms, no commas.
  std::vector<std::string> keywords;
  // With attachments, the message becomes multipart/mixed (RFC 2046 §5.1.3): the body,
  // then each attachment as a base64 part with Content-Disposition: attachment (RFC 2183).
  // The list of enclosures says which are attached.
  std::vector<Attachment> attachments;
  // Why an enclosure (by URL) is not attached, shown next to it ("not attached: ...").
  std::map<std::string, std::string> enclosure_notes;
};

std::string render(const feeds::Entry& entry, const FeedInfo& feed, const RenderOptions& options);

// The Subject as a mail client shows it once decoded: the normalised title (white space
// collapsed, controls removed, invalid UTF-8 replaced), else the start of the entry's
// text, else "(no title)".
std::string subject_text(const feeds::Entry& entry);

// From's display name once decoded: "Author (Feed title)", the feed title, the author, or
// the feed key, normalised and shortened by fit_display_name() (mail/header_encoding.hpp).
std::string from_display_name(const feeds::Entry& entry, const FeedInfo& feed);

// The stable Message-ID ("<...@hostname>") for an identity; render() uses it too.
std::string message_id(const std::string& feed_key, const std::string& identity,
                       const std::string& hostname);

} // namespace feedpop::mail
