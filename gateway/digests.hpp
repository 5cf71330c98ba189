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
// Who gets what: a user with users.*.digest gets one digest of all their configuration
// feeds (it wins over the feeds' own digests); otherwise each subscribed feed with a
// feeds.*.digest shows as that feed's digest. Feeds users added themselves and the
// control feed stay single messages.

#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"
#include "ingest/options.hpp"

namespace feedpop::gateway {

std::string feed_digest_key(std::string_view feed);
std::string user_digest_key(std::string_view user);
bool is_digest_key(std::string_view store_key);

// Every digest the configuration asks for (feed digests first, then users', by name).
std::vector<ingest::DigestConfig> digest_configs(const Config& config);

// The store keys user `user`'s mailbox shows for the configuration feeds `keys` (their
// subscriptions, or a view's subset): digested feeds replaced by their digest's key.
std::vector<std::string> with_digests(const Config& config, const std::string& user,
                                      const std::vector<std::string>& keys);

// Adds the configuration's digests to `options` and marks the feeds they cover so that
// ingest stores what a digest shows of their entries.
void add_digests(const Config& config, ingest::Options& options);

} // namespace feedpop::gateway
