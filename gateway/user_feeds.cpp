#include "gateway/user_feeds.hpp"

#include "gateway/digests.hpp"
#include "gateway/ingest_options.hpp"

namespace feedpop::gateway {

namespace {
constexpr std::string_view control_suffix = "/.feedpop";
}

std::string user_feed_key(std::string_view owner, std::string_view key) {
  return std::string(owner) + "/" + std::string(key);
}

std::string control_feed_key(std::string_view owner) {
  return std::string(owner) + std::string(control_suffix);
}

std::string feed_source(std::string_view store_key) {
  if (is_digest_key(store_key)) {
    return "digest";
  }
  if (store_key.find('/') == std::string_view::npos) {
    return "config";
  }
  const bool control = store_key.size() > control_suffix.size() &&
                       store_key.substr(store_key.size() - control_suffix.size()) == control_suffix;
  return control ? "control" : "user";
}

std::vector<std::string> user_mailbox_keys(const std::vector<storage::UserFeed>& feeds,
                                           std::string_view owner) {
  std::vector<std::string> keys;
  for (const auto& f : feeds) {
    if (f.owner == owner) {
      keys.push_back(user_feed_key(f.owner, f.key));
    }
  }
  keys.push_back(control_feed_key(owner));
  return keys;
}

ingest::Options ingest_options(const Config& config, const std::vector<storage::UserFeed>& feeds) {
  ingest::Options o = ingest_options(config);
  for (const auto& f : feeds) {
    if (f.paused || config.users.count(f.owner) == 0) {
      continue;
    }
    ingest::FeedOptions feed;
    feed.key = user_feed_key(f.owner, f.key);
    feed.url = f.url;
    feed.user_added = true;
    feed.rules = config.rules; // the global rules apply to users' feeds too
    o.feeds.emplace(feed.key, std::move(feed));
  }
  add_digests(config, feeds, o); // a user's digest covers their own feeds too
  return o;
}

} // namespace feedpop::gateway
