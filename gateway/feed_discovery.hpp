#pragma once
// Feed discovery for `subscribe URL`: the URL may be a feed, or a web page that names its
// feeds. In order: the URL itself when it parses as a feed; else the page's
// <link rel="alternate"> elements of feed types (RSS, Atom, JSON Feed), in document
// order; else the usual paths at the page's origin (/feed, /rss.xml, /atom.xml,
// /index.xml, /feed.json). The first candidate that parses as a feed wins; the other
// linked feeds are named to the user. (HTTP `Link:` headers are not consulted: the HTTP
// client does not hand response headers beyond Content-Type to its callers.)
//
// Fetches go through feeds::HttpClient with the fetcher's limits; `allow_private` false
// refuses private, loopback and link-local addresses on every connection, as for the
// user's feed later. Blocking; called from an SMTP io thread, bounded by the timeout.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::gateway {

struct DiscoveryOptions {
  bool allow_private = false;
  std::chrono::milliseconds timeout{20'000};
  std::uint64_t max_size = 10'000'000;
  std::optional<std::string> ca_file;
  std::optional<std::string> proxy;
};

struct Discovery {
  std::string feed_url;            // empty: nothing found (see error)
  std::string title;               // the feed's title, may be empty
  std::vector<std::string> others; // other feeds the page links
  std::string error;               // why nothing was found
};

// The feed URLs a page links with <link rel="alternate" type="application/rss+xml|
// atom+xml|feed+json|json|rdf+xml" href>, resolved against `base_url`, without duplicates.
std::vector<std::string> linked_feeds(std::string_view html, std::string_view base_url);

Discovery discover_feed(const std::string& url, const DiscoveryOptions& options);

} // namespace feedpop::gateway
