#pragma once
// Tag views of entries tagged by rules (content/rules.hpp `then: tag NAME`): `alice+NAME`
// shows every message of alice's feeds tagged NAME in feeds.yaml (gateway/mailbox_views.hpp)
// and, of the feeds whose rules may tag NAME, the messages whose entries were tagged NAME.
//
// Tags are an ingest-time fact, like every rule's effect: ingest stores an entry's tags
// with it (storage::NewEntry::tags; the message's Keywords field names the same), and the
// view asks the store for the entries carrying the tag (Store::tag_view_snapshot), reading
// only that tag's rows of those feeds at login, whatever the mailbox's size. A tag rule
// added later tags the entries stored from then on; one removed takes its feed out of the
// view (the feed's rules no longer give NAME).
//
// Threading: free functions; `store` is the session's reader Store.

#include <vector>

#include "gateway/mailbox_views.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

// True when the view selects messages by a rule tag (some feeds' rules may give it).
bool is_rule_tag_view(const MailboxView& view);

// What the rule tag view lists: the messages of view.feed_keys and those tagged view.view of
// view.tagged_feed_keys (and of the user's own feeds when view.own_feeds_tagged; those a
// user's digest covers stand for its digest, whose messages carry no tags), with the user's
// UIDLs and deletions, in arrival order. Throws storage::StoreError.
std::vector<storage::MailboxItem> tag_view_items(storage::Store& store, const Config& config,
                                                 const MailboxView& view);

} // namespace feedpop::gateway
