#include "gateway/digests.hpp"

#include <algorithm>
#include <unordered_set>

#include "gateway/user_feeds.hpp"

namespace feedpop::gateway {

namespace {

constexpr std::string_view prefix = ".digest/";

ingest::DigestSchedule schedule_of(const DigestSetting& s) {
  return {s.every, s.at, s.tz};
}

bool has_user_digest(const Config& config, const std::string& user) {
  const auto u = config.users.find(user);
  return u != config.users.end() && u->second.digest.has_value();
}

// A feed `user` added themselves (store key "user/key"), not their control feed.
bool own_feed(std::string_view store_key, const std::string& user) {
  return store_key.size() > user.size() && store_key.starts_with(user) &&
         store_key[user.size()] == '/' && feed_source(store_key) == "user";
}

// Appends keys, the digest keys once each (the feeds' keys come unique; hashing only the
// few digest keys keeps a login of thousands of feeds cheap).
class KeyList {
public:
  void add(std::string key) {
    if (!is_digest_key(key) || seen_.insert(key).second) {
      keys_.push_back(std::move(key));
    }
  }
  std::vector<std::string> take() { return std::move(keys_); }

private:
  std::unordered_set<std::string> seen_;
  std::vector<std::string> keys_;
};

} // namespace

std::string feed_digest_key(std::string_view feed) {
  return std::string(prefix) + "feed/" + std::string(feed);
}

std::string user_digest_key(std::string_view user) {
  return std::string(prefix) + "user/" + std::string(user);
}

std::string notice_key(std::string_view feed_store_key) {
  return std::string(prefix) + "notices/" + std::string(feed_store_key);
}

bool is_digest_key(std::string_view store_key) {
  return store_key.starts_with(prefix);
}

std::vector<ingest::DigestConfig> digest_configs(const Config& config,
                                                 const std::vector<storage::UserFeed>& user_feeds) {
  std::vector<ingest::DigestConfig> out;
  std::vector<std::pair<std::string, std::unordered_set<std::string>>> undigested; // their feeds
  for (const auto& [name, user] : config.users) {
    if (!user.digest) {
      const auto subs = config.subscriptions(name);
      undigested.emplace_back(name, std::unordered_set<std::string>(subs.begin(), subs.end()));
    }
  }
  for (const auto& [key, feed] : config.feeds) {
    if (!feed.digest) {
      continue;
    }
    ingest::DigestConfig d{feed_digest_key(key), key, {key}, false, schedule_of(*feed.digest)};
    for (const auto& [name, subs] : undigested) {
      if (subs.contains(key)) {
        d.users.push_back(name);
      }
    }
    out.push_back(std::move(d));
  }
  for (const auto& [name, user] : config.users) {
    if (!user.digest) {
      continue;
    }
    ingest::DigestConfig d{user_digest_key(name), name, config.subscriptions(name), true,
                           schedule_of(*user.digest)};
    for (const auto& f : user_feeds) {
      if (f.owner == name) {
        d.feeds.push_back(user_feed_key(f.owner, f.key));
      }
    }
    d.users.push_back(name);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> with_digests(const Config& config, const std::string& user,
                                      const std::vector<std::string>& keys) {
  const bool user_digest = has_user_digest(config, user);
  KeyList out;
  std::vector<std::string> notices; // after the digest key, like the feed digests' ones
  bool covered = false;
  for (const auto& key : keys) {
    const auto feed = config.feeds.find(key);
    if (user_digest && (feed != config.feeds.end() || own_feed(key, user))) {
      covered = true;
      notices.push_back(notice_key(key));
    } else if (feed != config.feeds.end() && feed->second.digest) {
      out.add(feed_digest_key(key));
      out.add(notice_key(key));
    } else {
      out.add(key); // never digested here: other users' feeds, the control feed, digests
    }
  }
  if (covered) {
    out.add(user_digest_key(user));
  }
  for (auto& n : notices) {
    out.add(std::move(n));
  }
  return out.take();
}

std::vector<std::string> mailbox_keys(const Config& config, const std::string& user,
                                      const std::vector<storage::UserFeed>& user_feeds) {
  auto keys = config.subscriptions(user);
  const auto own = user_mailbox_keys(user_feeds, user);
  keys.insert(keys.end(), own.begin(), own.end());
  keys.push_back(user_digest_key(user)); // digests built before users.NAME.digest was removed
  return with_digests(config, user, keys);
}

void add_digests(const Config& config, const std::vector<storage::UserFeed>& user_feeds,
                 ingest::Options& options) {
  options.digests = digest_configs(config, user_feeds);
  for (const auto& digest : options.digests) {
    for (const auto& key : digest.feeds) {
      if (const auto it = options.feeds.find(key); it != options.feeds.end()) {
        it->second.digest_items = true;
        it->second.notice_key = notice_key(key);
      }
    }
  }
}

} // namespace feedpop::gateway
