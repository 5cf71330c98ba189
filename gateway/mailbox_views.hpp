#pragma once
// Mailbox views: POP3 has one mailbox per login, so `alice+lwn` (feed key) or `alice+TAG`
// (a tag from feeds.yaml) logs in with alice's credentials and sees only those feeds'
// entries — with alice's UIDLs and deletion state, because it is the same user's mailbox
// filtered by feed (storage::Store::snapshot takes the feed keys). A client can so file
// each feed into its own folder. The separator is `pop3.view_separator` ("+" by default;
// empty disables views).
//
// Resolution order: a configured user whose name is the whole login wins (so "a+b" can
// be a user); else the login splits at the first separator, and Config::view_feeds picks
// the feeds (a feed key wins over a tag of the same name). A view that selects none of
// the user's feeds is an unknown login. A tag that rules give entries (`then: tag NAME`)
// is a view too: it adds, from the feeds whose rules may tag NAME, only the messages
// tagged NAME (gateway/tag_views.hpp).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"

namespace feedpop::gateway {

struct MailboxView {
  std::string user;                   // the configured user (credentials, deletions)
  std::string view;                   // "" for the full mailbox, else the feed key or tag
  std::vector<std::string> feed_keys; // what the mailbox shows
  // A rule tag view: these feeds' messages are shown when their entries carry the tag
  // `view` (gateway/tag_views.hpp).
  std::vector<std::string> tagged_feed_keys = {};
  // The global rules may tag `view`: the user's own feeds (known to the store only) are
  // tagged feeds too.
  bool own_feeds_tagged = false;
};

std::optional<MailboxView> resolve_mailbox(const Config& config, std::string_view login);

} // namespace feedpop::gateway
