#include "gateway/mailbox_views.hpp"

#include <algorithm>

#include "gateway/digests.hpp"

namespace feedpop::gateway {

std::optional<MailboxView> resolve_mailbox(const Config& config, std::string_view login) {
  if (const auto it = config.users.find(std::string(login)); it != config.users.end()) {
    return MailboxView{it->first, "",
                       with_digests(config, it->first, config.subscriptions(it->first))};
  }
  const std::string& sep = config.pop3.view_separator;
  if (sep.empty()) {
    return std::nullopt;
  }
  const auto at = login.find(sep);
  if (at == std::string_view::npos || at == 0 || at + sep.size() == login.size()) {
    return std::nullopt;
  }
  const auto user = config.users.find(std::string(login.substr(0, at)));
  if (user == config.users.end()) {
    return std::nullopt;
  }
  MailboxView out{user->first, std::string(login.substr(at + sep.size())), {}};
  out.feed_keys = config.view_feeds(out.user, out.view);
  if (config.feeds.count(out.view) == 0) {
    out.own_feeds_tagged = config.global_rule_tags(out.view);
    for (auto& key : config.rule_tag_feeds(out.user, out.view)) {
      if (std::find(out.feed_keys.begin(), out.feed_keys.end(), key) == out.feed_keys.end()) {
        out.tagged_feed_keys.push_back(std::move(key));
      }
    }
  }
  if (out.feed_keys.empty() && out.tagged_feed_keys.empty() && !out.own_feeds_tagged) {
    return std::nullopt;
  }
  out.feed_keys = with_digests(config, out.user, out.feed_keys);
  // A digested feed delivers no single messages to this user: its digests carry no
  // tags, so the tag view selects none of them.
  out.tagged_feed_keys = with_digests(config, out.user, out.tagged_feed_keys);
  return out;
}

} // namespace feedpop::gateway
