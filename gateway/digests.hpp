#pragma once
// Digests in the gateway (issue 18): which digests feeds.yaml asks for, and what the
// digested users' mailboxes show.
//
// Storage design: a digest's messages are entries of a store key of its own, a synthetic
// feed no feeds.yaml key or user feed can take (".digest/feed/KEY" for a feed's digest,
// ".digest/user/NAME" for a user's; '/' and a leading '.' are not allowed in config keys
// or user names). Single entries stay stored under their feed for users without a digest;
// a digested user's mailbox lists the digest key instead of the feeds it covers. So
// UIDLs, deletions, retention pins and RETR work for digests unchanged.
//
// Who gets what: a user with users.*.digest gets one digest of all their feeds, the
// configuration's and the ones they added by mail (it wins over the feeds' own digests);
// otherwise each subscribed configuration feed with a feeds.*.digest shows as that feed's
// digest. A user feed has no digest of its own (the control-mail commands set none); the
// control feed (feedpop's replies) always stays single messages.
//
// Notices: a digested feed's failure / recovery notices are stored under
// ".digest/notices/KEY" as well, which the users it is digested for see next to the
// digest, so a broken feed is reported at once, not at the end of the period.
//
// Changes of the configuration: a digest marks the entries (and notices) it covers deleted
// for the users it reaches (ingest/options.hpp DigestConfig::users), so when a digest is
// removed only the entries not yet in one arrive as single messages, and a user's digest
// that replaces a feed's starts where that one stopped. A user's full mailbox always lists
// their own digest key, so digests built before users.NAME.digest was removed stay. A
// feed's digest is listed only while it applies (one more key per feed at every login would
// cost the large mailboxes): when it stops applying to a user, a digest of it built since
// the user's client last downloaded is no longer shown to them.

#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"
#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

std::string feed_digest_key(std::string_view feed);
std::string user_digest_key(std::string_view user);
std::string notice_key(std::string_view feed_store_key);
bool is_digest_key(std::string_view store_key);

// Every digest the configuration asks for (feed digests first, then users', by name);
// `user_feeds` (every owner's) adds each digested user's own feeds to their digest.
std::vector<ingest::DigestConfig>
digest_configs(const Config& config, const std::vector<storage::UserFeed>& user_feeds = {});

// The store keys user `user`'s mailbox shows for `keys` (their subscriptions, or a view's
// subset; their own feeds' store keys and control key may be among them): each digested
// feed replaced by its digest's key and its notice key. Keys it adds are not repeated.
std::vector<std::string> with_digests(const Config& config, const std::string& user,
                                      const std::vector<std::string>& keys);

// The store keys of `user`'s full mailbox: the configuration feeds they subscribe to, their
// own feeds (from `user_feeds`, any owners') and their control feed, digests applied, and
// their own digest key even without users.NAME.digest (see above). POP3, the web status page,
// `stats` and `digest --now --user` all count with this.
std::vector<std::string> mailbox_keys(const Config& config, const std::string& user,
                                      const std::vector<storage::UserFeed>& user_feeds);

// Adds the digests to `options` (after its user feeds) and marks the feeds they cover, so
// that ingest stores what a digest shows of their entries and a copy of their notices.
void add_digests(const Config& config, const std::vector<storage::UserFeed>& user_feeds,
                 ingest::Options& options);

} // namespace feedpop::gateway
