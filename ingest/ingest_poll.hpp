#pragma once
// One feed's poll, after the HTTP part: turns a feeds::FetchResult into store writes and
// the feed's next poll state. Used by the Fetcher (fetcher thread only).
//
// Writes: a 200 stores its new entries and the feed state in one insert_entries
// transaction; a 304 or a failure writes only the feed state (one small transaction),
// except when a failure / recovery notice is due, which goes in with the state.
// A cancelled transfer writes nothing. StoreError propagates; any other exception from
// parsing or rendering becomes this feed's error.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "feeds/http_client.hpp"
#include "ingest/fetcher.hpp"
#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

// The stored state brought in line with feeds.yaml: a changed URL starts afresh (new
// validators, no redirect memory, re-enabled after 410).
storage::FeedState sync_feed_state(const FeedOptions& feed,
                                   std::optional<storage::FeedState> stored);

// Whether `feed` may be fetched from a private address (and a file: URL) under `policy`.
bool may_reach_private_addresses(PrivateAddresses policy, const FeedOptions& feed);

// The request for a feed's next poll.
feeds::HttpRequest poll_request(const Options& config, const FeedOptions& feed,
                                const storage::FeedState& state);

feeds::HttpOptions http_options(const Options& config);

using PinnedEntries = std::function<std::vector<storage::EntryId>()>;

// `http`: the client the feed came through. New entries' article pages and images are
// fetched through it, in the same concurrency and per-host slots as every feed in flight
// (fetch.per_host holds for a feed host and its article host together); nullptr: a client
// of their own.
FeedPollResult complete_poll(storage::Store& store, const Options& config, const FeedOptions& feed,
                             storage::FeedState state, feeds::FetchResult result, storage::Time now,
                             const PinnedEntries& pinned, feeds::HttpClient* http = nullptr);

// The result reported for a feed that is not polled because a 410 disabled it.
FeedPollResult disabled_result(const storage::FeedState& state);

} // namespace feedpop::ingest
