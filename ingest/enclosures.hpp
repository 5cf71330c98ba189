#pragma once
// Enclosures carried in the message (per feed `enclosures: attach`): each http(s)
// enclosure of a new entry up to the size cap is fetched once, at ingest, with the
// fetcher's HTTP rules, and becomes an attachment. One over the cap (by the feed's declared
// length or by what the server sends) or whose fetch fails stays a link, with a note
// saying why. Fetcher thread only.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/entry.hpp"
#include "ingest/options.hpp"
#include "mail/render.hpp"

namespace feedpop::ingest {

EnclosuresMode enclosures_mode(const Options& config, const FeedOptions& feed);
std::uint64_t enclosures_max_size(const Options& config, const FeedOptions& feed);

struct EnclosureFiles {
  std::vector<mail::Attachment> attachments; // in the entry's enclosure order
  std::map<std::string, std::string> notes;  // URL → why it is not attached
  std::size_t failed = 0;                    // fetches that failed or were too large
};

// A poll's messages are rendered and stored together: the attachments of one poll are
// held in memory at once. Each poll may attach this many times the per-enclosure cap.
constexpr std::uint64_t kEnclosureCapsPerPoll = 5;

// `budget`: bytes this poll may still attach (starts at kEnclosureCapsPerPoll × the cap);
// what is attached is taken from it.
EnclosureFiles fetch_enclosures(const Options& config, const FeedOptions& feed,
                                const feeds::Entry& entry, std::uint64_t& budget);

// The file name a reader sees: Content-Disposition's filename* (RFC 6266 §4.3, RFC 8187)
// or filename, else the URL's last path segment, percent-decoded; never a path.
std::string attachment_filename(std::string_view url, std::string_view content_disposition);

} // namespace feedpop::ingest
