#include "gateway/subscriptions.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gateway/opml.hpp"
#include "smtp/mail_command.hpp"

namespace feedpop::gateway {

namespace {

bool is_web_url(const std::string& url) {
  const auto scheme = url.substr(0, url.find(':'));
  std::string lower(scheme);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return (lower == "http" || lower == "https") && url.find("://") == scheme.size();
}

std::string host_of(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) {
    return {};
  }
  const auto rest = url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/:?#"));
}

bool has_key(const std::vector<storage::UserFeed>& feeds, const std::string& key) {
  return std::any_of(feeds.begin(), feeds.end(), [&](const auto& f) { return f.key == key; });
}

// A free key from the feed's title (else its host), "-2", "-3" … appended when taken.
std::string derive_key(const std::vector<storage::UserFeed>& feeds, const std::string& title,
                       const std::string& url) {
  std::string base = slugify(title);
  if (base.empty()) {
    base = slugify(host_of(url));
  }
  if (base.empty()) {
    base = "feed";
  }
  std::string key = base;
  for (int n = 2; has_key(feeds, key); ++n) {
    key = fmt::format("{}-{}", base, n);
  }
  return key;
}

DiscoveryOptions discovery_options(const Config& config) {
  DiscoveryOptions o;
  o.allow_private = config.fetch.private_addresses == PrivateAddresses::allow_for_users;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.fetch.timeout);
  o.max_size = config.fetch.max_size;
  o.proxy = config.fetch.proxy;
  if (config.fetch.ca_file) {
    o.ca_file = config.fetch.ca_file->string();
  }
  return o;
}

} // namespace

Subscriptions::Subscriptions(Deps deps) : deps_(std::move(deps)) {
  if (!deps_.discover) {
    deps_.discover = discover_feed;
  }
}

void Subscriptions::notify() const {
  if (deps_.changed) {
    deps_.changed();
  }
}

std::optional<std::string> Subscriptions::refuse(const Config& config, const std::string& user,
                                                 storage::Store& store, std::size_t adding) const {
  const auto it = config.users.find(user);
  if (it == config.users.end()) {
    return fmt::format("There is no user '{}' in feedpop's configuration.", user);
  }
  if (!it->second.may_subscribe) {
    return fmt::format("You may not add feeds: the administrator has not allowed it for '{}' "
                       "(users.{}.may_subscribe: true in feeds.yaml). The feeds in your "
                       "mailbox are chosen in feeds.yaml.",
                       user, user);
  }
  const auto have = store.count_user_feeds(user);
  if (have + adding > it->second.max_feeds) {
    return fmt::format("You have {} feed{} of your own; {} more would pass your limit of {} "
                       "(users.{}.max_feeds). Unsubscribe from one first.",
                       have, have == 1 ? "" : "s", adding, it->second.max_feeds, user);
  }
  return std::nullopt;
}

Outcome Subscriptions::subscribe(const std::string& user, const std::string& url,
                                 const std::string& key, const std::vector<std::string>& tags) {
  const auto config = deps_.config();
  auto store = deps_.open_store();
  if (auto why = refuse(*config, user, *store, 1)) {
    return {false, *why};
  }
  if (!is_web_url(url)) {
    return {false, fmt::format("'{}' is not an http:// or https:// URL.", url)};
  }
  if (!key.empty() && !smtp::is_valid_feed_key(key)) {
    return {false, fmt::format("'{}' cannot be a feed key: use letters, digits, '.', '_' and "
                               "'-', at most 64.",
                               key)};
  }
  auto feeds = store->user_feeds(user);
  if (!key.empty() && has_key(feeds, key)) {
    return {false, fmt::format("You already have a feed called '{}'; choose another name with "
                               "'as KEY' or unsubscribe {} first.",
                               key, key)};
  }
  const auto found = deps_.discover(url, discovery_options(*config));
  if (found.feed_url.empty()) {
    return {false, fmt::format("No feed found: {}.", found.error)};
  }
  for (const auto& f : feeds) {
    if (f.url == found.feed_url) {
      return {false, fmt::format("You already subscribe to {} as '{}'.", f.url, f.key)};
    }
  }
  storage::UserFeed feed;
  feed.owner = user;
  feed.key = key.empty() ? derive_key(feeds, found.title, found.feed_url) : key;
  feed.url = found.feed_url;
  feed.tags = tags;
  if (!store->add_user_feed(feed)) {
    return {false, fmt::format("You already have a feed called '{}'.", feed.key)};
  }
  notify();
  std::string text = fmt::format("Subscribed to {} as '{}'", feed.url, feed.key);
  if (!found.title.empty()) {
    text += fmt::format(" (\"{}\")", found.title);
  }
  if (!tags.empty()) {
    text += fmt::format(", tags {}", fmt::join(tags, ", "));
  }
  text += ". It is fetched now; its newest entries (up to 20) arrive in your mailbox shortly.";
  if (feed.url != url) {
    text += fmt::format(" Found on the page {}.", url);
  }
  if (!found.others.empty()) {
    text += fmt::format(" The page also links: {} (subscribe to them by URL if you want them).",
                        fmt::join(found.others, ", "));
  }
  return {true, text};
}

Outcome Subscriptions::unsubscribe(const std::string& user, const std::string& key) {
  auto store = deps_.open_store();
  if (!store->remove_user_feed(user, key)) {
    return {false, fmt::format("You have no feed called '{}' (send 'list' to see yours).", key)};
  }
  notify();
  return {true, fmt::format("Unsubscribed from '{}': no new entries will arrive; the ones in "
                            "your mailbox stay until you delete them.",
                            key)};
}

Outcome Subscriptions::pause(const std::string& user, const std::string& key) {
  auto store = deps_.open_store();
  if (!store->set_user_feed_paused(user, key, true)) {
    return {false, fmt::format("You have no feed called '{}' (send 'list' to see yours).", key)};
  }
  notify();
  return {true,
          fmt::format("Paused '{}': it is not fetched until you send 'resume {}'.", key, key)};
}

Outcome Subscriptions::resume(const std::string& user, const std::string& key) {
  auto store = deps_.open_store();
  if (!store->set_user_feed_paused(user, key, false)) {
    return {false, fmt::format("You have no feed called '{}' (send 'list' to see yours).", key)};
  }
  notify();
  return {true, fmt::format("Resumed '{}': it is fetched again.", key)};
}

std::vector<storage::UserFeed> Subscriptions::list(const std::string& user) {
  return deps_.open_store()->user_feeds(user);
}

std::string Subscriptions::export_opml(const std::string& user) {
  Config feeds_only;
  for (const auto& f : list(user)) {
    FeedConfig feed;
    feed.key = f.key;
    feed.url = f.url;
    feed.title = f.key;
    feed.tags = f.tags;
    feeds_only.feeds.emplace(f.key, std::move(feed));
  }
  std::vector<std::string> skipped;
  return write_opml(feeds_only, skipped);
}

Outcome Subscriptions::import_opml(const std::string& user, const std::string& xml) {
  OpmlDocument doc;
  try {
    doc = parse_opml(xml);
  } catch (const OpmlError& e) {
    return {false, fmt::format("The attachment is not OPML: {}.", e.what())};
  }
  const auto config = deps_.config();
  auto store = deps_.open_store();
  Config existing;
  for (const auto& f : store->user_feeds(user)) {
    FeedConfig feed;
    feed.key = f.key;
    feed.url = f.url;
    existing.feeds.emplace(f.key, std::move(feed));
  }
  auto plan = plan_import(existing, doc);
  std::erase_if(plan.added, [](const ImportedFeed& f) { return !is_web_url(f.url); });
  if (auto why = refuse(*config, user, *store, plan.added.size())) {
    return {false, *why};
  }
  std::vector<std::string> added;
  for (const auto& f : plan.added) {
    storage::UserFeed feed{user, f.key, f.url, f.tags, false, {}};
    if (store->add_user_feed(feed)) {
      added.push_back(f.key);
    }
  }
  if (!added.empty()) {
    notify();
  }
  std::string text =
      fmt::format("Imported {} feed{}{}{}.", added.size(), added.size() == 1 ? "" : "s",
                  added.empty() ? "" : ": ", fmt::join(added, ", "));
  if (!plan.duplicates.empty()) {
    text += fmt::format(" Already subscribed: {}.", fmt::join(plan.duplicates, "; "));
  }
  if (!doc.skipped.empty()) {
    text += fmt::format(" Skipped: {}.", fmt::join(doc.skipped, "; "));
  }
  return {true, text};
}

} // namespace feedpop::gateway
