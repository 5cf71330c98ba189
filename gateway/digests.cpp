#include "gateway/digests.hpp"

#include <algorithm>

namespace feedpop::gateway {

namespace {

constexpr std::string_view prefix = ".digest/";

ingest::DigestSchedule schedule_of(const DigestSetting& s) {
  return {s.every, s.at, s.tz};
}

} // namespace

std::string feed_digest_key(std::string_view feed) {
  return std::string(prefix) + "feed/" + std::string(feed);
}

std::string user_digest_key(std::string_view user) {
  return std::string(prefix) + "user/" + std::string(user);
}

bool is_digest_key(std::string_view store_key) {
  return store_key.starts_with(prefix);
}

std::vector<ingest::DigestConfig> digest_configs(const Config& config) {
  std::vector<ingest::DigestConfig> out;
  for (const auto& [key, feed] : config.feeds) {
    if (feed.digest) {
      out.push_back({feed_digest_key(key), key, {key}, false, schedule_of(*feed.digest)});
    }
  }
  for (const auto& [name, user] : config.users) {
    if (user.digest) {
      out.push_back({user_digest_key(name), name, config.subscriptions(name), true,
                     schedule_of(*user.digest)});
    }
  }
  return out;
}

std::vector<std::string> with_digests(const Config& config, const std::string& user,
                                      const std::vector<std::string>& keys) {
  const auto u = config.users.find(user);
  const bool user_digest = u != config.users.end() && u->second.digest.has_value();
  std::vector<std::string> out;
  bool covered = false;
  for (const auto& key : keys) {
    const auto feed = config.feeds.find(key);
    if (feed == config.feeds.end()) {
      out.push_back(key); // not a configuration feed: never digested
    } else if (user_digest) {
      covered = true;
    } else if (feed->second.digest) {
      out.push_back(feed_digest_key(key));
    } else {
      out.push_back(key);
    }
  }
  if (covered) {
    out.push_back(user_digest_key(user));
  }
  return out;
}

void add_digests(const Config& config, ingest::Options& options) {
  options.digests = digest_configs(config);
  for (const auto& digest : options.digests) {
    for (const auto& key : digest.feeds) {
      if (const auto it = options.feeds.find(key); it != options.feeds.end()) {
        it->second.digest_items = true;
      }
    }
  }
}

} // namespace feedpop::gateway
