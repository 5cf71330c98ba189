#pragma once
// on_update: redeliver — which changed entries become "Updated:" messages (part of
// plan_ingest, ingest.hpp). An entry stored earlier comes back with another content hash;
// its stored revision (what readers were last sent) is compared with the new one
// (ingest/revisions.hpp):
//   - never delivered (filtered, beyond `initial`): only the stored hash moves on;
//   - no stored revision (stored before the feed tracked updates): the new revision is
//     stored as the reference, nothing is sent;
//   - a cosmetic change: only the stored hash moves on (the reference stays, so small
//     edits add up until they are substantial);
//   - substantial, but an update of this entry was mailed less than 24 hours ago: nothing
//     yet (the next poll decides again), at most one update per entry per day;
//   - substantial: a new message under version_identity(identity, hash), replying to the
//     original's Message-ID, with a note of what changed; the revision and the time are
//     stored. The original message is never touched.
// Pure: the caller reads the stored revisions and stores the result.

#include <chrono>
#include <string>
#include <vector>

#include "feeds/entry.hpp"
#include "feeds/identity.hpp"
#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

// At most one update per entry in this period.
inline constexpr std::chrono::hours update_interval{24};

struct ChangedEntry {
  std::size_t index = 0; // into feed.entries
  std::string identity;  // as stored
  std::string hash;      // the new content hash
};

struct UpdateToSend {
  std::size_t index = 0;
  std::string identity; // version_identity(identity, hash)
  std::string hash;
  std::string in_reply_to; // the original's Message-ID
  std::string note;        // change_summary()
};

struct UpdatePlan {
  std::vector<UpdateToSend> send;
  std::vector<storage::NewEntry> revisions; // NewEntry::revises, stored with the poll
};

struct UpdateInput {
  const feeds::Feed* feed = nullptr;
  const FeedOptions* config = nullptr;
  std::string hostname;
  const feeds::KnownIdentities* known = nullptr;
  storage::Time now{};
};

UpdatePlan plan_updates(const UpdateInput& in, const std::vector<ChangedEntry>& changed,
                        const std::vector<storage::EntryRevision>& stored);

} // namespace feedpop::ingest
