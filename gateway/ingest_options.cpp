#include "gateway/ingest_options.hpp"

#include "gateway/digests.hpp"
#include "gateway/store_open.hpp"

namespace feedpop::gateway {

namespace {

ingest::ImagesMode images_mode(ImagesMode m) {
  return m == ImagesMode::inline_ ? ingest::ImagesMode::inline_ : ingest::ImagesMode::link;
}

ingest::EnclosuresMode enclosures_mode(EnclosuresMode m) {
  return m == EnclosuresMode::attach ? ingest::EnclosuresMode::attach
                                     : ingest::EnclosuresMode::link;
}

ingest::ContentMode content_mode(ContentMode m) {
  switch (m) {
  case ContentMode::feed:
    return ingest::ContentMode::feed;
  case ContentMode::full:
    return ingest::ContentMode::full;
  case ContentMode::automatic:
    return ingest::ContentMode::automatic;
  }
  return ingest::ContentMode::feed;
}

ingest::FetchOptions fetch_options(const FetchConfig& f) {
  ingest::FetchOptions o;
  o.interval = f.interval;
  o.concurrency = f.concurrency;
  o.per_host = f.per_host;
  o.timeout = f.timeout;
  o.connect_timeout = f.connect_timeout;
  o.max_size = f.max_size;
  o.user_agent = f.user_agent;
  o.proxy = f.proxy;
  if (f.ca_file) {
    o.ca_file = f.ca_file->string();
  }
  switch (f.private_addresses) {
  case PrivateAddresses::allow:
    o.private_addresses = ingest::PrivateAddresses::allow;
    break;
  case PrivateAddresses::deny:
    o.private_addresses = ingest::PrivateAddresses::deny;
    break;
  case PrivateAddresses::allow_for_users:
    o.private_addresses = ingest::PrivateAddresses::allow_for_users;
    break;
  }
  o.max_backoff = f.max_backoff;
  o.notify_after = f.notify_after;
  o.node = node_name();
  o.content = content_mode(f.content);
  o.images = images_mode(f.images);
  o.images_max_width = f.images_max_width;
  o.enclosures = enclosures_mode(f.enclosures);
  o.enclosures_max_size = f.enclosures_max_size;
  return o;
}

ingest::FeedOptions feed_options(const FeedConfig& f) {
  ingest::FeedOptions o;
  o.key = f.key;
  o.url = f.url;
  o.title = f.title;
  o.interval = f.interval;
  o.initial = f.initial;
  o.user_agent = f.user_agent;
  o.retention = f.retention;
  o.max_entries = f.max_entries;
  o.on_update =
      f.on_update == OnUpdate::redeliver ? ingest::OnUpdate::redeliver : ingest::OnUpdate::ignore;
  o.include = f.include;
  o.exclude = f.exclude;
  if (f.content) {
    o.content = content_mode(*f.content);
  }
  o.content_selector = f.content_selector;
  if (f.images) {
    o.images = images_mode(*f.images);
  }
  o.images_max_width = f.images_max_width;
  if (f.enclosures) {
    o.enclosures = enclosures_mode(*f.enclosures);
  }
  o.enclosures_max_size = f.enclosures_max_size;
  return o;
}

} // namespace

ingest::Options ingest_options(const Config& config) {
  ingest::Options o;
  o.hostname = config.hostname;
  o.fetch = fetch_options(config.fetch);
  o.fetch.lease = config.storage.lease;
  for (const auto& [key, feed] : config.feeds) {
    auto& added = o.feeds.emplace(key, feed_options(feed)).first->second;
    added.rules = config.rules; // global rules first, then the feed's
    added.rules.insert(added.rules.end(), feed.rules.begin(), feed.rules.end());
  }
  add_digests(config, {}, o);
  return o;
}

} // namespace feedpop::gateway
