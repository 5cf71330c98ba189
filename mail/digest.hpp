#pragma once
// Digests (issue 18): many entries as ONE message that reads as one mail in every client:
// multipart/alternative (RFC 2046 §5.1.4) of a text/plain part and an HTML part, the HTML
// part multipart/related (RFC 2387) when entries carry inline images. Never
// multipart/digest, which most clients show as a pile of attachments.
//
// The message: Subject "NAME digest: N entries, DATE", a table of contents linking to an
// anchor per entry, then each entry with title, feed, author, date, link and content.
// A digest larger than DigestOptions::part_size is split into several messages, subjects
// ending "(1/2)", "(2/2)"; an entry is never split.
//
// Pure and deterministic: the same items and options always give the same bytes, and the
// Message-ID derives from (digest key, part identity) only, so rebuilding a period never
// makes a second, different message. Output lines end in CRLF, none longer than 998 octets.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/entry.hpp"
#include "mail/render.hpp"

namespace feedpop::mail {

// One entry as a digest shows it, captured when the entry is stored (ingest), so that a
// digest is built later from the store alone.
struct DigestItem {
  std::string feed_key;
  std::string feed_title; // display name of the feed (its title, else its key)
  std::string title;      // subject_text(entry)
  std::string author;     // empty when unknown
  std::chrono::sys_seconds date{};
  std::string link; // empty, or an http(s)/mailto URL
  std::string html; // sanitised body, inline images already pointing at "cid:..."
  std::string text; // the text/plain rendering of the body, "\n" line ends
  std::vector<InlineImage> images;
};

// `entry` as mailed (tracking links removed, replacement body applied, sanitised HTML as
// feeds::parse yields it); `images` as for RenderOptions::images.
DigestItem digest_item(const feeds::Entry& entry, const FeedInfo& feed,
                       std::chrono::sys_seconds first_seen, const std::vector<InlineImage>& images);

// The stored form of an item (length-prefixed fields, binary safe). decode returns
// nullopt for bytes that encode did not write.
std::string encode_digest_item(const DigestItem& item);
std::optional<DigestItem> decode_digest_item(std::string_view bytes);

// Where a digest splits: below the 10 MB that common mail services and clients accept
// for one message, leaving room for headers and MIME overhead (bench/RESULTS.md).
inline constexpr std::size_t default_digest_part_size = 8 * 1000 * 1000;

struct DigestOptions {
  std::string key;                 // the digest's store key: Message-ID, From local part
  std::string name;                // feed key or user name: "NAME digest: ..."
  std::string period;              // the period's identity, e.g. "2026-12-07T06:00:00Z"
  std::chrono::sys_seconds date{}; // Date: the period's end
  std::string date_label;          // DATE in the subject, as the reader's zone shows it
  std::string hostname = "feedpop.localhost";
  bool group_by_feed = false; // a user's digest: entries grouped under their feed
  std::size_t part_size = default_digest_part_size;
};

struct DigestMessage {
  std::string identity; // the period, or "PERIOD#i/n" for part i of n
  std::string bytes;
};

// Empty for no items: a period without entries sends nothing.
std::vector<DigestMessage> render_digest(const std::vector<DigestItem>& items,
                                         const DigestOptions& options);

} // namespace feedpop::mail
