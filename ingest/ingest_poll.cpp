#include "ingest/ingest_poll.hpp"

#include <spdlog/spdlog.h>

#include "common/metrics.hpp"
#include "feeds/parse.hpp"
#include "feeds/schedule.hpp"
#include "ingest/digest.hpp"
#include "ingest/entry_bodies.hpp"
#include "ingest/ingest.hpp"
#include "ingest/poll_schedule.hpp"

namespace feedpop::ingest {

namespace {

using storage::FeedState;
using storage::Time;

std::chrono::seconds interval_of(const Options& config, const FeedOptions& feed) {
  return feed.interval.value_or(config.fetch.interval);
}

Time schedule(const Options& config, const FeedOptions& feed, const FeedState& state, Time now,
              const feeds::ResponseInfo* info, std::optional<std::chrono::seconds> ttl) {
  feeds::ScheduleInputs in;
  in.interval = interval_of(config, feed);
  in.cap = config.fetch.max_backoff;
  in.feed_ttl = ttl;
  in.consecutive_failures = state.consecutive_failures;
  if (info != nullptr) {
    if (info->cache_control && state.consecutive_failures == 0) {
      in.max_age = feeds::parse_max_age(*info->cache_control);
    }
    // RFC 9110 §10.2.3: Retry-After matters on 429 and 503 (and 3xx, not relevant here).
    if (info->http_code == 429 || info->http_code == 503) {
      in.retry_after = info->retry_after;
    }
  }
  const bool hinted = (in.feed_ttl && *in.feed_ttl > in.interval) ||
                      (in.max_age && *in.max_age > in.interval) ||
                      (in.retry_after && *in.retry_after > in.interval);
  if (state.consecutive_failures == 0 && !hinted) {
    // On schedule: every interval at the feed's own phase (polls spread evenly over the
    // interval), never sooner than one interval after this poll.
    return on_phase(now + in.interval, in.interval, feeds::stable_hash(feed.key));
  }
  in.jitter_seed =
      feeds::stable_hash(feed.key) ^ static_cast<std::uint64_t>(now.time_since_epoch().count());
  return now + feeds::next_delay(in);
}

// A permanent chain (301/308) seen on two consecutive polls moves the feed for good.
void track_redirect(FeedState& state, const feeds::ResponseInfo& info) {
  const auto target = info.permanent_target();
  if (!target) {
    state.redirect_to.reset();
    state.redirect_seen = 0;
    return;
  }
  if (state.redirect_to == target) {
    ++state.redirect_seen;
  } else {
    state.redirect_to = target;
    state.redirect_seen = 1;
  }
  if (state.redirect_seen >= 2) {
    spdlog::info("feed {}: permanent redirect confirmed, now polling {}", state.key, *target);
    state.url = *target;
    state.redirect_to.reset();
    state.redirect_seen = 0;
  }
}

NoticeInput notice_input(const Options& config, const FeedOptions& feed, const FeedState& state,
                         Time now) {
  NoticeInput n;
  n.feed_key = feed.key;
  n.feed_url = feed.url;
  n.hostname = config.hostname;
  n.failing_since = state.failing_since.value_or(now);
  n.now = now;
  n.last_error = state.last_error.value_or("");
  return n;
}

// A digested feed's notice goes under FeedOptions::notice_key too, where its digested users
// see it at once. The feed's own copy gets the notice digest item: the digest covers it
// without showing it, so it never reaches those users twice (ingest/digest.hpp). Stored
// before the feed's own transaction: should that one not commit, the next poll makes the
// same notice (same identity) again, and storing it twice adds nothing.
void copy_notice(storage::Store& store, const FeedOptions& feed, storage::NewEntry& notice) {
  if (feed.notice_key.empty()) {
    return;
  }
  notice.digest_item = std::string(notice_item);
  FeedState state = store.feed_state(feed.notice_key).value_or(FeedState{});
  state.key = feed.notice_key;
  state.last_status = "notices";
  store.insert_entries(feed.notice_key, {notice}, state);
}

// Success bookkeeping shared by 200 and 304; returns the recovery notice when one is due.
std::optional<storage::NewEntry> mark_success(const Options& config, const FeedOptions& feed,
                                              FeedState& state, const feeds::ResponseInfo& info,
                                              Time now) {
  std::optional<storage::NewEntry> notice;
  if (state.failure_notified) {
    notice = recovery_notice(notice_input(config, feed, state, now));
  }
  state.http_code = info.http_code == 0 ? std::nullopt : std::optional<int>(info.http_code);
  state.last_error.reset();
  state.consecutive_failures = 0;
  state.failing_since.reset();
  state.failure_notified = false;
  state.last_poll = now;
  state.last_success = now;
  track_redirect(state, info);
  return notice;
}

FeedPollResult fail(storage::Store& store, const Options& config, const FeedOptions& feed,
                    FeedState state, const feeds::ResponseInfo& info, std::string error, Time now) {
  FeedPollResult r{feed.key, false, "error", info.http_code, 0, error};
  state.http_code = info.http_code == 0 ? std::nullopt : std::optional<int>(info.http_code);
  state.last_error = error;
  state.last_poll = now;
  ++state.consecutive_failures;
  if (!state.failing_since) {
    state.failing_since = now;
  }
  if (info.http_code == 410) {
    // RFC 9110 §15.5.11: gone for good; poll again only when feeds.yaml names a new URL.
    state.disabled = true;
    state.last_status = "gone";
    r.status = "gone";
  } else {
    state.last_status = "error";
  }
  state.next_poll = schedule(config, feed, state, now, &info, std::nullopt);
  if (!state.failure_notified && now - *state.failing_since >= config.fetch.notify_after) {
    state.failure_notified = true;
    std::vector<storage::NewEntry> notice{failure_notice(notice_input(config, feed, state, now))};
    copy_notice(store, feed, notice.front());
    store.insert_entries(feed.key, notice, state);
  } else {
    store.save_feed_state(state);
  }
  r.next_poll = state.next_poll;
  return r;
}

FeedPollResult not_modified(storage::Store& store, const Options& config, const FeedOptions& feed,
                            FeedState state, const feeds::NotModified& nm, Time now) {
  auto notice = mark_success(config, feed, state, nm.info, now);
  // RFC 9110 §15.4.5: a 304 may carry updated validators; keep ours when it doesn't.
  if (nm.info.etag) {
    state.etag = nm.info.etag;
  }
  if (nm.info.last_modified) {
    state.last_modified = nm.info.last_modified;
  }
  state.last_status = "not_modified";
  state.next_poll = schedule(config, feed, state, now, &nm.info, std::nullopt);
  if (notice) {
    copy_notice(store, feed, *notice);
    store.insert_entries(feed.key, {*notice}, state);
  } else {
    store.save_feed_state(state);
  }
  FeedPollResult r{feed.key, true, "not_modified", nm.info.http_code, 0, {}};
  r.next_poll = state.next_poll;
  return r;
}

FeedPollResult fetched(storage::Store& store, const Options& config, const FeedOptions& feed,
                       FeedState state, feeds::Fetched& f, Time now, const PinnedEntries& pinned,
                       feeds::HttpClient* http) {
  feeds::ParseOptions po;
  po.base_url = f.info.url;
  po.content_type = f.info.content_type;
  // The body is needed for nothing else: the parser takes it over as its working buffer
  // instead of copying it (peak memory per poll: one document, not two).
  auto parsed = feeds::parse(std::move(f.body), po);
  if (auto* err = std::get_if<feeds::ParseError>(&parsed)) {
    // Validators are not kept: the next poll must fetch (and parse) the document again.
    return fail(store, config, feed, std::move(state), f.info, "parse error: " + err->message, now);
  }
  const feeds::Feed& doc = std::get<feeds::Feed>(parsed);
  const auto known = store.known_entries(feed.key);
  IngestInput in;
  in.feed = &doc;
  in.config = &feed;
  in.hostname = config.hostname;
  in.feed_url = feed.url;
  in.known = &known;
  in.first_poll = known.empty() && !state.last_success;
  in.now = now;
  BodyStats stats;
  std::optional<feeds::HttpClient> own_http;
  in.bodies = [&](const std::vector<std::size_t>& indices) {
    if (http == nullptr) {
      http = &own_http.emplace(http_options(config));
    }
    return entry_bodies(config, feed, doc, indices, stats, http);
  };
  in.revisions = [&](const std::vector<std::string>& identities) {
    return store.entry_revisions(feed.key, identities);
  };
  IngestPlan plan = plan_ingest(in);

  auto notice = mark_success(config, feed, state, f.info, now);
  if (notice) {
    copy_notice(store, feed, *notice);
    plan.entries.push_back(std::move(*notice));
  }
  // The latest validators, always: a server that stopped sending one must not get it back.
  state.etag = f.info.etag;
  state.last_modified = f.info.last_modified;
  state.last_status = "ok";
  state.next_poll = schedule(config, feed, state, now, &f.info, doc.ttl);
  const std::vector<bool> stored = store.insert_entries(feed.key, plan.entries, state);
  std::size_t delivered = 0;
  const auto& m = metrics::handles();
  for (std::size_t i = 0; i < stored.size() && i < plan.entries.size(); ++i) {
    delivered += (stored[i] && plan.entries[i].deliver) ? 1 : 0;
    m.entries_ingested.inc(stored[i] ? 1 : 0);
    if (stored[i] && plan.entries[i].deliver) {
      m.messages_stored.inc();
      m.messages_stored_bytes.inc(plan.entries[i].message.size());
    }
  }
  if (feed.retention || feed.max_entries) {
    store.purge_retention(feed.key, feed.retention, feed.max_entries, now,
                          pinned ? pinned() : std::vector<storage::EntryId>{});
  }
  FeedPollResult r{feed.key, true, "ok", f.info.http_code, delivered, {}};
  r.articles_fetched = stats.articles.fetched;
  r.articles_failed = stats.articles.failed;
  r.images_failed = stats.images_failed;
  r.next_poll = state.next_poll;
  return r;
}

} // namespace

storage::FeedState sync_feed_state(const FeedOptions& feed, std::optional<FeedState> stored) {
  if (!stored) {
    FeedState s;
    s.key = feed.key;
    s.config_url = feed.url;
    s.url = feed.url;
    return s;
  }
  FeedState s = std::move(*stored);
  if (s.config_url != feed.url || s.url.empty()) {
    s.config_url = feed.url;
    s.url = feed.url;
    s.etag.reset();
    s.last_modified.reset();
    s.redirect_to.reset();
    s.redirect_seen = 0;
    s.disabled = false;
    s.consecutive_failures = 0;
    s.next_poll.reset();
  }
  return s;
}

bool may_reach_private_addresses(PrivateAddresses policy, const FeedOptions& feed) {
  switch (policy) {
  case PrivateAddresses::allow:
    return !feed.user_added;
  case PrivateAddresses::deny:
    return false;
  case PrivateAddresses::allow_for_users:
    return true;
  }
  return false;
}

feeds::HttpRequest poll_request(const Options& config, const FeedOptions& feed,
                                const FeedState& state) {
  feeds::HttpRequest r;
  r.url = state.url.empty() ? feed.url : state.url;
  r.etag = state.etag;
  r.last_modified = state.last_modified;
  if (feed.user_agent) {
    r.user_agent = feed.user_agent;
  } else if (config.fetch.user_agent) {
    r.user_agent = config.fetch.user_agent;
  }
  r.allow_private = may_reach_private_addresses(config.fetch.private_addresses, feed);
  return r;
}

feeds::HttpOptions http_options(const Options& config) {
  feeds::HttpOptions o;
  o.concurrency = config.fetch.concurrency;
  o.per_host = config.fetch.per_host;
  o.connect_timeout = config.fetch.connect_timeout;
  o.timeout = config.fetch.timeout;
  o.max_size = config.fetch.max_size;
  if (config.fetch.user_agent) {
    o.user_agent = *config.fetch.user_agent;
  }
  o.proxy = config.fetch.proxy;
  if (config.fetch.ca_file) {
    o.ca_file = *config.fetch.ca_file;
  }
  return o;
}

FeedPollResult complete_poll(storage::Store& store, const Options& config, const FeedOptions& feed,
                             FeedState state, feeds::FetchResult result, Time now,
                             const PinnedEntries& pinned, feeds::HttpClient* http) {
  const auto& m = metrics::handles();
  if (auto* failed = std::get_if<feeds::FetchFailed>(&result)) {
    m.fetch_requests(failed->info.http_code).inc();
    if (failed->kind == feeds::FailureKind::cancelled) {
      return {feed.key, false, "cancelled", 0, 0, "cancelled"};
    }
    if (failed->kind == feeds::FailureKind::private_address) {
      failed->error += " (fetch.private_addresses)";
    }
    return fail(store, config, feed, std::move(state), failed->info, failed->error, now);
  }
  if (auto* nm = std::get_if<feeds::NotModified>(&result)) {
    if (nm->info.http_code != 0) { // 0: a file: URL, no HTTP request
      m.fetch_requests(nm->info.http_code).inc();
    }
    return not_modified(store, config, feed, std::move(state), *nm, now);
  }
  auto& f = std::get<feeds::Fetched>(result);
  if (f.info.http_code != 0) {
    m.fetch_requests(f.info.http_code).inc();
  }
  m.fetched_bytes.inc(f.body.size());
  try {
    return fetched(store, config, feed, state, f, now, pinned, http);
  } catch (const storage::StoreError&) {
    throw;
  } catch (const std::exception& e) {
    // A bug or limit in parse/render must cost one feed one poll, not the fetcher.
    return fail(store, config, feed, std::move(state), f.info,
                std::string("internal error: ") + e.what(), now);
  }
}

FeedPollResult disabled_result(const FeedState& state) {
  return {
      state.key, false,
      "gone",    state.http_code.value_or(410),
      0,         "disabled after 410 Gone; give the feed a new URL in feeds.yaml to poll it again"};
}

} // namespace feedpop::ingest
