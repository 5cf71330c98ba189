#pragma once
// Full articles for new entries (per feed `content: full | auto`): each entry's link is
// fetched through the fetcher's own HTTP client (its limits, redirect and TLS rules,
// private-address policy, per-host slots) and the article extracted (content::extract).
// Runs on the fetcher thread, once per new entry: known entries never reach it
// (ingest.hpp `bodies`).

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "content/rules.hpp"
#include "feeds/entry.hpp"
#include "feeds/http_client.hpp"
#include "ingest/options.hpp"

namespace feedpop::ingest {

// The body an entry's message gets under `content: auto` only after fetching: the feed's
// body is missing, ends in an ellipsis or "Read more", or is short.
bool looks_truncated(const feeds::Entry& entry);

struct ArticleStats {
  std::size_t fetched = 0; // articles that replaced the feed's body
  std::size_t failed = 0;  // fetch or extraction failures (the feed's body kept, with a note)
};

ContentMode content_mode(const Options& config, const FeedOptions& feed);

struct FetchedArticle {
  std::string html; // sanitised: the article, or the feed's body with a failure note
  // Elements the entry's `strip` rules removed from the page before extraction, by rule
  // index into feed_rules(feed) (content::ExtractOptions::strip).
  std::vector<content::RewriteCount> stripped;
};

// Replacement bodies for feed.entries[i], i in `indices`, by index. Entries whose feed
// body is kept unchanged are absent. The pages are fetched through `http`
// (HttpClient::fetch_all: its slots, alongside the feeds in flight). The `strip` rules
// whose conditions hold for an entry (judged on the feed's entry, as plan_ingest does)
// apply to its page as published, so their selectors match the page's own markup.
std::map<std::size_t, FetchedArticle> fetch_articles(const Options& config, const FeedOptions& feed,
                                                     const feeds::Feed& doc,
                                                     const std::vector<std::size_t>& indices,
                                                     ArticleStats& stats, feeds::HttpClient& http);

} // namespace feedpop::ingest
