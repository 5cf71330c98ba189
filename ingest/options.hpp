#pragma once
// What the ingest pipeline needs to know about fetching and about each feed: a narrow
// view of feeds.yaml. gateway/ builds it from its Config (gateway/ingest_options.cpp);
// tests build it directly.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "content/rules.hpp"

namespace feedpop::ingest {

// What happens when a known entry comes back with changed content.
enum class OnUpdate { ignore, redeliver };

// Who may fetch from loopback, private and link-local addresses (and file: URLs):
// allow: feeds of the configuration file, not feeds users added themselves;
// deny: no feed; allow_for_users: every feed (tests, closed networks).
enum class PrivateAddresses { allow, deny, allow_for_users };

// Which body a new entry's message gets: the feed's own (`feed`), the article extracted
// from the entry's link (`full`), or the article only when the feed's looks truncated
// (`automatic`, feeds.yaml `auto`).
enum class ContentMode { feed, full, automatic };

// Images of new entries' bodies: remote links, or fetched once and carried in the message.
enum class ImagesMode { link, inline_ };

// Enclosures of new entries: listed as links, or fetched once and attached to the message.
enum class EnclosuresMode { link, attach };

struct FeedOptions {
  std::string key; // the feed key of feeds.yaml: the stable part of every entry's identity
  std::string url;
  std::optional<std::string> title; // overrides the document's title in From:
  std::optional<std::chrono::seconds> interval;
  std::optional<std::size_t> initial = 20; // first poll delivers the newest N; nullopt = all
  std::optional<std::string> user_agent;
  std::optional<std::chrono::seconds> retention;
  std::optional<std::size_t> max_entries;
  OnUpdate on_update = OnUpdate::ignore;
  std::vector<std::string> include; // patterns matched on title and content text
  std::vector<std::string> exclude;
  // feeds.yaml's global `rules:`, then the feed's (content/rules.hpp); include and
  // exclude become rules placed before them (feed_rules()).
  std::vector<content::Rule> rules;
  bool user_added = false;            // added by a user (mail, web), not by the configuration file
  std::optional<ContentMode> content; // nullopt: FetchOptions::content
  std::optional<std::string> content_selector;      // XPath of the article element(s)
  std::optional<ImagesMode> images;                 // nullopt: FetchOptions::images
  std::optional<unsigned> images_max_width;         // nullopt: FetchOptions's; 0: not scaled
  std::optional<EnclosuresMode> enclosures;         // nullopt: FetchOptions::enclosures
  std::optional<std::uint64_t> enclosures_max_size; // nullopt: FetchOptions::enclosures_max_size
  bool digest_items = false; // a digest covers the feed: store what it shows of each entry
  // Not empty: the feed's failure / recovery notices are stored under this key too, which
  // the users whose digest covers the feed see at once (a digest would hold a notice back
  // for up to a period; ingest_poll.cpp).
  std::string notice_key;
};

// When a digest's periods end (ingest/digest.hpp): every `every`, at `at` into the day
// of time zone `tz` (an IANA name).
struct DigestSchedule {
  std::chrono::seconds every{24 * 3600};
  std::chrono::seconds at{0};
  std::string tz = "UTC";
};

// A digest (issue 18): the delivered entries of `feeds` become one message per period,
// stored under `key`; the digested users' mailboxes show `key` instead of those feeds.
struct DigestConfig {
  std::string key;                // store key of its messages
  std::string name;               // feed key or user name: "NAME digest: ..."
  std::vector<std::string> feeds; // the feeds it covers
  bool per_user = false;          // a user's digest: entries grouped by feed
  DigestSchedule schedule;
  // The users it reaches (the one user of a user's digest). The entries a digest covers are
  // marked deleted for them, so that they never come back as single messages should the
  // digest be removed; a user's digest leaves out what that user already deleted (e.g.
  // what a feed's digest covered before the user's own digest began).
  std::vector<std::string> users = {};
};

// The feed's compiled rule set: include / exclude as keep / skip rules, then `rules`.
content::RuleSet feed_rules(const FeedOptions& feed);

struct FetchOptions {
  std::chrono::seconds interval{30 * 60}; // default poll interval
  unsigned concurrency = 8;
  unsigned per_host = 2;
  std::chrono::seconds timeout{30};
  std::chrono::seconds connect_timeout{10};
  std::uint64_t max_size = 10 * 1000 * 1000;
  std::optional<std::string> user_agent;
  std::optional<std::string> proxy;
  std::optional<std::string> ca_file;
  PrivateAddresses private_addresses = PrivateAddresses::allow;
  std::chrono::seconds max_backoff{24 * 3600};
  std::chrono::seconds notify_after{24 * 3600}; // failing this long → a notice
  // Several nodes on one database (storage/store.hpp, poll leases): this node's name and
  // how long a lease lasts; a poll in flight renews it every third of that.
  std::string node = "local";
  std::chrono::milliseconds lease{60'000};
  ContentMode content = ContentMode::feed;
  ImagesMode images = ImagesMode::link;
  // Inlined JPEG/PNG/WebP wider than this are scaled down (content::scale_down); 0: never.
  unsigned images_max_width = 0;
  EnclosuresMode enclosures = EnclosuresMode::link;
  std::uint64_t enclosures_max_size = 20 * 1000 * 1000; // per enclosure, bytes
};

struct Options {
  std::string hostname = "feedpop.localhost"; // Message-ID and notice domain
  FetchOptions fetch;
  std::map<std::string, FeedOptions> feeds; // by key
  std::vector<DigestConfig> digests;
};

} // namespace feedpop::ingest
