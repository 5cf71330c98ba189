#pragma once
// The subscription service: what a user may do with feeds of their own (storage::UserFeed).
// The one code path for every front end: control mail now (gateway/control_mail.hpp), the
// web page later. Each operation checks the user's rights (users.NAME.may_subscribe,
// users.NAME.max_feeds), changes the store, calls `changed` so the fetcher picks the
// change up (a new feed is polled at once, its first poll delivering the newest `initial`
// entries), and returns what was done or exactly what was wrong, as text for the user.
//
// Threading: thread-safe (each call opens its own Store); `changed` may run on any thread.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/feed_discovery.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

struct Outcome {
  bool ok = false;
  std::string message; // for the user: one or a few sentences
};

class Subscriptions {
public:
  struct Deps {
    std::function<std::unique_ptr<storage::Store>()> open_store;
    std::function<std::shared_ptr<const Config>()> config;
    std::function<void()> changed; // the user feeds changed (may be empty)
    // Feed discovery (tests may replace it); default: discover_feed.
    std::function<Discovery(const std::string& url, const DiscoveryOptions&)> discover;
  };
  explicit Subscriptions(Deps deps);

  // `url`: a feed or a page linking one. `key` empty: derived from the feed's title.
  Outcome subscribe(const std::string& user, const std::string& url, const std::string& key,
                    const std::vector<std::string>& tags);
  Outcome unsubscribe(const std::string& user, const std::string& key);
  Outcome pause(const std::string& user, const std::string& key);
  Outcome resume(const std::string& user, const std::string& key);
  std::vector<storage::UserFeed> list(const std::string& user);
  // The user's feeds as OPML 2.0 (folders by first tag).
  std::string export_opml(const std::string& user);
  // Adds the OPML document's feeds (without discovery: OPML names feed URLs).
  Outcome import_opml(const std::string& user, const std::string& xml);

private:
  std::optional<std::string> refuse(const Config& config, const std::string& user,
                                    storage::Store& store, std::size_t adding) const;
  void notify() const;

  Deps deps_;
};

} // namespace feedpop::gateway
