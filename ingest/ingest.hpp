#pragma once
// Ingest decisions for one successful poll, without I/O: which entries of a parsed
// document are new, which of those reach mailboxes (first-poll `initial`, include /
// exclude filters, on_update), and their rendered bytes. The fetcher stores the result
// with storage::Store::insert_entries in one transaction.
//
// Also the failure / recovery notices: ordinary entries of the feed, so every subscriber
// finds them in their mailbox (issue "visible failures").

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "feeds/entry.hpp"
#include "ingest/options.hpp"
#include "mail/render.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

// What ingest adds to a new entry before rendering.
struct Body {
  std::optional<std::string> html;                    // replaces the feed's body
  std::vector<mail::InlineImage> images;              // images: inline
  std::vector<mail::Attachment> attachments;          // enclosures: attach
  std::map<std::string, std::string> enclosure_notes; // enclosures not attached, by URL
};

struct IngestInput {
  const feeds::Feed* feed = nullptr;
  const FeedOptions* config = nullptr;
  std::string hostname;
  std::string feed_url; // X-Feed-URL: the URL in feeds.yaml
  // identity → content hash of everything already stored for the feed
  const std::vector<std::pair<std::string, std::string>>* known = nullptr;
  bool first_poll = false; // nothing stored yet: `initial` applies
  storage::Time now{};
  // Replacement bodies (content: full | auto): called once, before rendering, with the
  // indices into feed->entries of the new entries about to be delivered (never for known
  // identities or their changed versions); returns sanitised HTML by index. The content
  // hash stays that of the feed's entry, so a later poll sees the entry as unchanged.
  std::function<std::map<std::size_t, Body>(const std::vector<std::size_t>&)> bodies;
  // on_update: redeliver (ingest/updates.hpp): the stored revisions of these identities
  // (Store::entry_revisions), called once, only when known entries changed. Unset: none.
  std::function<std::vector<storage::EntryRevision>(const std::vector<std::string>&)> revisions;
  // What the rules did (`feedpop render --feed`): called with the index into feed->entries
  // of each judged entry the rules skipped (no counts), and of each delivered one after its
  // rewrites. Unset: nobody asks.
  std::function<void(std::size_t, const content::RuleVerdict&,
                     const std::vector<content::RewriteCount>&)>
      rules_seen;
};

struct IngestPlan {
  // New entries oldest first (arrival order), then revisions of known ones (NewEntry::revises).
  std::vector<storage::NewEntry> entries;
  std::size_t delivered = 0;
  std::size_t updated = 0; // known identities with changed content (redelivered or not)
};

IngestPlan plan_ingest(const IngestInput& in);

// For on_update: redeliver, the identity a changed version is stored under.
std::string version_identity(const std::string& identity, const std::string& content_hash);

struct NoticeInput {
  std::string feed_key;
  std::string feed_url;
  std::string hostname;
  storage::Time failing_since{};
  storage::Time now{};
  std::string last_error;
};

// "feed X has been failing since ..., last error ..." / "feed X works again".
storage::NewEntry failure_notice(const NoticeInput& in);
storage::NewEntry recovery_notice(const NoticeInput& in);

} // namespace feedpop::ingest
