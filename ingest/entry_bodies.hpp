#pragma once
// What ingest adds to new entries before rendering (ingest.hpp `Body`): the full article
// (`content: full | auto`), a media entry's body (mail/media.hpp), attached enclosures
// (`enclosures: attach`) and inlined images (`images: inline`), as the feed's options say.
// No store: `fetch --once`, `serve` and `feedpop render --feed` build bodies alike.
// Fetcher thread (or the render command's only thread).

#include <cstddef>
#include <map>
#include <vector>

#include "feeds/entry.hpp"
#include "feeds/http_client.hpp"
#include "ingest/article_fetch.hpp"
#include "ingest/ingest.hpp"
#include "ingest/options.hpp"

namespace feedpop::ingest {

struct BodyStats {
  ArticleStats articles;
  std::size_t images_failed = 0;
};

// Bodies of doc.entries[i], i in `indices`, by index; entries that keep the feed's body
// as it is are absent. Pages and images come through `http` (HttpClient::fetch_all: its
// slots, alongside the feeds in flight); nullptr fetches nothing: only bodies built from
// the entry itself (a media entry's) are made.
std::map<std::size_t, Body> entry_bodies(const Options& config, const FeedOptions& feed,
                                         const feeds::Feed& doc,
                                         const std::vector<std::size_t>& indices, BodyStats& stats,
                                         feeds::HttpClient* http);

} // namespace feedpop::ingest
