#pragma once
// Feeds that users add themselves (storage::UserFeed, by mail through the subscription
// service) next to the configuration file's feeds. In the store and the fetcher a user
// feed is known by a key that no feeds.yaml key can take ("alice/lwn": '/' is not allowed
// in config keys), so two users' "lwn" and the administrator's "lwn" never share entries
// or UIDLs. Each user also has a control feed ("alice/.feedpop", a leading '.' is not a
// valid user feed key) holding feedpop's replies to their command mails, so replies are
// ordinary messages of their mailbox (UIDL, DELE, retention).

#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"
#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

std::string user_feed_key(std::string_view owner, std::string_view key);
std::string control_feed_key(std::string_view owner);
// "config" for feeds.yaml's keys, "user" for user feeds, "control" for control feeds,
// "digest" for digests (gateway/digests.hpp).
std::string feed_source(std::string_view store_key);

// The store keys a user's full mailbox shows beyond their configured feeds: their user
// feeds (paused ones too: what was delivered stays) and their control feed.
std::vector<std::string> user_mailbox_keys(const std::vector<storage::UserFeed>& feeds,
                                           std::string_view owner);

// The fetcher's options: the config's feeds plus the users' feeds that are not paused and
// whose owner is still a configured user, with user_added set.
ingest::Options ingest_options(const Config& config, const std::vector<storage::UserFeed>& feeds);

} // namespace feedpop::gateway
