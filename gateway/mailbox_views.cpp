#include "gateway/mailbox_views.hpp"

#include <algorithm>

namespace feedpop::gateway {

std::vector<std::string> subscribed_feeds(const Config& config, const UserConfig& user) {
  std::vector<std::string> keys;
  if (user.all_feeds) {
    for (const auto& [key, feed] : config.feeds) {
      keys.push_back(key);
    }
    return keys;
  }
  for (const auto& key : user.feeds) {
    if (config.feeds.contains(key)) {
      keys.push_back(key);
    }
  }
  return keys;
}

std::optional<MailboxView> resolve_mailbox(const Config& config, std::string_view login) {
  if (const auto it = config.users.find(std::string(login)); it != config.users.end()) {
    return MailboxView{it->first, "", subscribed_feeds(config, it->second)};
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
  const std::string view(login.substr(at + sep.size()));
  const auto subscribed = subscribed_feeds(config, user->second);
  MailboxView out{user->first, view, {}};
  if (std::find(subscribed.begin(), subscribed.end(), view) != subscribed.end()) {
    out.feed_keys.push_back(view);
    return out;
  }
  for (const auto& key : subscribed) {
    const auto& tags = config.feeds.at(key).tags;
    if (std::find(tags.begin(), tags.end(), view) != tags.end()) {
      out.feed_keys.push_back(key);
    }
  }
  if (out.feed_keys.empty()) {
    return std::nullopt;
  }
  return out;
}

} // namespace feedpop::gateway
