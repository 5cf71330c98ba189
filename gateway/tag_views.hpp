#pragma once
// Tag views of entries tagged by rules (content/rules.hpp `then: tag NAME`): `alice+NAME`
// shows every message of alice's feeds tagged NAME in feeds.yaml (gateway/mailbox_views.hpp)
// and, of the feeds whose rules may tag NAME, the messages whose Keywords field names it.
//
// The tag lives in the stored message itself (rendered once at ingest; DESIGN.md), so no
// table or migration holds entry tags: a tag view reads the header of each candidate
// message at login (one read of at most a few KiB per message of those feeds; the full
// mailbox and feed views read nothing more). A rule added later tags new entries only,
// as every rule does.
//
// Threading: free functions; `store` is the session's reader Store.

#include <string>
#include <string_view>
#include <vector>

#include "storage/store.hpp"

namespace feedpop::gateway {

// The tags a message's Keywords fields list (RFC 5322 §3.6.5: comma-separated phrases;
// folded lines unfolded), from the header section only.
std::vector<std::string> message_keywords(std::string_view message);

// `items` without the messages of `tagged_feeds` whose Keywords do not name `tag`; other
// feeds' messages stay. Order is kept. Throws storage::StoreError like Store::read_at.
std::vector<storage::MailboxItem> select_tagged(storage::Store& store,
                                                std::vector<storage::MailboxItem> items,
                                                const std::vector<std::string>& tagged_feeds,
                                                const std::string& tag);

} // namespace feedpop::gateway
