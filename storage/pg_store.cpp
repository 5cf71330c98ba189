// PgStore: feeds, ingest and poll leases. Mailboxes and maintenance: pg_mailbox.cpp.
#include "storage/pg_store.hpp"

#include "storage/entry_tags.hpp"
#include "storage/feed_columns.hpp"
#include "storage/uidl.hpp"

namespace feedpop::storage {

namespace {

// Serialises ingest transactions of every node (see pg_store.hpp: arrival order).
const pg::Statement ingest_lock{"ingest_lock", "SELECT pg_advisory_xact_lock(7265656471)"};

// The hot statements of polling and ingest, prepared once per connection (pg_conn.hpp).
const pg::Statement select_feed{"select_feed", std::string("SELECT ") + feed_columns +
                                                   " FROM feeds WHERE key = $1"};
const pg::Statement upsert_feed_row{
    "upsert_feed",
    std::string("INSERT INTO feeds (") + feed_columns +
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)" +
        feed_upsert_updates};
const pg::Statement select_feed_id{"feed_id", "SELECT id FROM feeds WHERE key = $1"};
const pg::Statement select_known_entries{
    "known_entries", "SELECT e.identity, e.content_hash FROM entries e JOIN feeds f ON "
                     "f.id = e.feed_id WHERE f.key = $1 ORDER BY e.id"};
const pg::Statement insert_entry{
    "insert_entry",
    "INSERT INTO entries (feed_id, uidl, identity, content_hash, state, size, entry_date, "
    "first_seen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uidl) DO NOTHING "
    "RETURNING id"};
const pg::Statement insert_message{"insert_message",
                                   "INSERT INTO messages (entry_id, bytes) VALUES ($1, $2)"};
const pg::Statement insert_digest_item{"insert_digest_item",
                                       "INSERT INTO digest_items (entry_id, item) VALUES ($1, $2)"};
const pg::Statement acquire_lease{
    "acquire_lease",
    "INSERT INTO feed_leases (feed_key, node, expires) VALUES ($1, $2, clock_timestamp() + "
    "$3::bigint * interval '1 millisecond') ON CONFLICT (feed_key) DO UPDATE SET node = "
    "excluded.node, expires = excluded.expires WHERE feed_leases.node = excluded.node OR "
    "feed_leases.expires < clock_timestamp() RETURNING node"};
const pg::Statement renew_lease{"renew_lease",
                                "UPDATE feed_leases SET expires = clock_timestamp() + $3::bigint * "
                                "interval '1 millisecond' WHERE feed_key = $1 AND node = $2 "
                                "RETURNING node"};
const pg::Statement release_lease{"release_lease",
                                  "DELETE FROM feed_leases WHERE feed_key = $1 AND node = $2"};

std::optional<std::int64_t> to_int(const std::optional<Time>& t) {
  if (!t) {
    return std::nullopt;
  }
  return t->time_since_epoch().count();
}

std::optional<Time> to_time(const std::optional<std::int64_t>& v) {
  if (!v) {
    return std::nullopt;
  }
  return Time(std::chrono::seconds(*v));
}

FeedState read_feed(const pg::Result& r, int row) {
  FeedState f;
  f.key = r.text(row, 0);
  f.config_url = r.text(row, 1);
  f.url = r.text(row, 2);
  f.etag = r.opt_text(row, 3);
  f.last_modified = r.opt_text(row, 4);
  f.last_status = r.text(row, 5);
  if (auto code = r.opt_int64(row, 6)) {
    f.http_code = static_cast<int>(*code);
  }
  f.last_error = r.opt_text(row, 7);
  f.consecutive_failures = static_cast<int>(r.int64(row, 8));
  f.last_poll = to_time(r.opt_int64(row, 9));
  f.last_success = to_time(r.opt_int64(row, 10));
  f.next_poll = to_time(r.opt_int64(row, 11));
  f.failing_since = to_time(r.opt_int64(row, 12));
  f.failure_notified = r.int64(row, 13) != 0;
  f.redirect_to = r.opt_text(row, 14);
  f.redirect_seen = static_cast<int>(r.int64(row, 15));
  f.disabled = r.int64(row, 16) != 0;
  return f;
}

std::string ms(std::chrono::milliseconds ttl) {
  return std::to_string(ttl.count());
}

} // namespace

// Commits wait for the WAL flush (synchronous_commit on, the server default): an
// acknowledged QUIT survives a crash of the database server. The pool migrates the schema
// when it opens its first connection.
PgStore::PgStore(const std::string& url, Role /*role*/, StoreOptions options)
    : options_(std::move(options)),
      db_(pg::Pool::shared(url, options_.pool_size), options_.busy_timeout) {}

Time PgStore::now() const {
  if (options_.clock) {
    return options_.clock();
  }
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::optional<FeedState> PgStore::feed_state(std::string_view feed_key) {
  auto r = db_.exec(select_feed, {feed_key});
  if (r.rows() == 0) {
    return std::nullopt;
  }
  return read_feed(r, 0);
}

std::vector<FeedState> PgStore::feed_states() {
  auto r = db_.exec(std::string("SELECT ") + feed_columns + " FROM feeds ORDER BY key");
  std::vector<FeedState> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(read_feed(r, i));
  }
  return out;
}

void PgStore::each_feed_summary(const std::function<void(const FeedSummary&)>& each) {
  FeedSummary row;
  each_row(std::string("SELECT ") + feed_columns +
               ", coalesce(c.entries, 0), coalesce(c.listed, 0) FROM feeds LEFT JOIN (SELECT "
               "feed_id, count(*) AS entries, count(*) FILTER (WHERE state = 1) AS listed FROM "
               "entries WHERE state IN (1, 2) GROUP BY feed_id) c ON c.feed_id = feeds.id ORDER "
               "BY key COLLATE \"C\"",
           [&](const pg::Result& r, int i) {
             row.state = read_feed(r, i);
             row.entries = static_cast<std::uint64_t>(r.int64(i, 17));
             row.listed = static_cast<std::uint64_t>(r.int64(i, 18));
             each(row);
           });
}

void PgStore::upsert_feed(std::string_view key, const FeedState& s) {
  const auto opt_int = [](const std::optional<int>& v) -> std::optional<std::int64_t> {
    if (!v) {
      return std::nullopt;
    }
    return *v;
  };
  db_.exec(upsert_feed_row,
           {key, std::string_view(s.config_url), std::string_view(s.url), s.etag, s.last_modified,
            std::string_view(s.last_status), opt_int(s.http_code), s.last_error,
            std::int64_t{s.consecutive_failures}, to_int(s.last_poll), to_int(s.last_success),
            to_int(s.next_poll), to_int(s.failing_since), std::int64_t{s.failure_notified},
            s.redirect_to, std::int64_t{s.redirect_seen}, std::int64_t{s.disabled}});
}

void PgStore::save_feed_state(const FeedState& state) {
  upsert_feed(state.key, state);
}

std::vector<std::pair<std::string, std::string>> PgStore::known_entries(std::string_view feed_key) {
  auto r = db_.exec(select_known_entries, {feed_key});
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.emplace_back(r.text(i, 0), r.text(i, 1));
  }
  return out;
}

std::vector<bool> PgStore::insert_entries(std::string_view feed_key,
                                          const std::vector<NewEntry>& entries,
                                          const FeedState& state) {
  pg::Transaction txn(db_);
  db_.exec(ingest_lock);
  // The feed row is keyed by the argument; state.key may be left empty by callers.
  upsert_feed(feed_key, state);
  const std::int64_t feed = db_.exec(select_feed_id, {feed_key}).int64(0, 0);
  const std::int64_t first_seen = now().time_since_epoch().count();
  std::vector<bool> fresh;
  fresh.reserve(entries.size());
  for (const NewEntry& e : entries) {
    if (e.revises) {
      revise(feed_key, e);
      fresh.push_back(false);
      continue;
    }
    const std::string uidl = derive_uidl(feed_key, e.identity);
    // Another node may have stored the same entry (same UIDL) first: then nothing is
    // inserted and the entry is known, exactly as if this node had seen it before.
    auto added =
        db_.exec(insert_entry, {feed, std::string_view(uidl), std::string_view(e.identity),
                                std::string_view(e.content_hash), std::int64_t{e.deliver ? 1 : 0},
                                static_cast<std::int64_t>(e.deliver ? e.message.size() : 0),
                                to_int(e.entry_date), first_seen});
    if (added.rows() == 0) {
      auto known = db_.exec("SELECT identity FROM entries WHERE uidl = $1", {uidl});
      if (known.rows() > 0 && known.text(0, 0) != e.identity) {
        // Two identities hashing to the same 128 bits: refuse rather than hide an entry.
        throw StoreError("postgresql: UIDL collision in feed " + std::string(feed_key), 1);
      }
      fresh.push_back(false);
      continue;
    }
    fresh.push_back(true);
    if (e.deliver) {
      db_.exec(insert_message, {added.int64(0, 0), pg::Param::bytes(e.message)});
      if (!e.digest_item.empty()) {
        db_.exec(insert_digest_item, {added.int64(0, 0), pg::Param::bytes(e.digest_item)});
      }
      pg_save_tags(db_, added.int64(0, 0), feed, e.tags);
    }
    if (e.revision) {
      save_revision(added.int64(0, 0), e.revision, std::nullopt);
    }
  }
  txn.commit();
  return fresh;
}

// The lease is a row per feed; INSERT … ON CONFLICT DO UPDATE locks the existing row, so
// of two nodes racing for one feed exactly one sees its own name come back. The database's
// clock decides expiry, so nodes' clocks need not agree.
bool PgStore::acquire_feed_lease(std::string_view feed_key, std::string_view node,
                                 std::chrono::milliseconds ttl) {
  auto r = db_.exec(acquire_lease, {feed_key, node, ms(ttl)});
  return r.rows() == 1;
}

bool PgStore::renew_feed_lease(std::string_view feed_key, std::string_view node,
                               std::chrono::milliseconds ttl) {
  auto r = db_.exec(renew_lease, {feed_key, node, ms(ttl)});
  return r.rows() == 1;
}

void PgStore::release_feed_lease(std::string_view feed_key, std::string_view node) {
  db_.exec(release_lease, {feed_key, node});
}

std::unique_ptr<Store> open_postgresql_store(const std::string& url, Role role,
                                             StoreOptions options) {
  return std::make_unique<PgStore>(url, role, std::move(options));
}

} // namespace feedpop::storage
