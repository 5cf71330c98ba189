// PgStore: digests (store.hpp "digests"; tables digest_items and digest_coverage,
// pg_migrations.cpp v3).

#include <algorithm>

#include "storage/entry_tags.hpp"
#include "storage/pg_conn.hpp"
#include "storage/pg_store.hpp"
#include "storage/uidl.hpp"

namespace feedpop::storage {

namespace {

// The ingest transactions' lock (pg_store.cpp): nodes building the same period's digest
// at once take turns, so the second sees the first's messages and stores nothing.
constexpr const char* ingest_lock = "SELECT pg_advisory_xact_lock(7265656471)";

// A BIGINT column of a binary-format result: 8 bytes, network order.
std::int64_t binary_int64(std::string_view bytes) {
  std::uint64_t v = 0;
  for (const char c : bytes.substr(0, 8)) {
    v = (v << 8) | static_cast<unsigned char>(c);
  }
  return static_cast<std::int64_t>(v);
}

} // namespace

std::vector<DigestSource> PgStore::pending_digest_items(std::string_view digest_key,
                                                        const std::vector<std::string>& feed_keys,
                                                        Time until) {
  std::vector<DigestSource> out;
  for (const std::string& key : feed_keys) {
    auto r = db_.exec(
        "SELECT e.id, e.first_seen, d.item FROM feeds f "
        "JOIN entries e ON e.feed_id = f.id AND e.state = 1 "
        "JOIN digest_items d ON d.entry_id = e.id "
        "WHERE f.key = $1 AND e.first_seen <= $2 AND NOT EXISTS ("
        "SELECT 1 FROM digest_coverage c WHERE c.digest_key = $3 "
        "AND c.entry_id = e.id) ORDER BY e.id",
        {std::string_view(key), std::int64_t{until.time_since_epoch().count()}, digest_key},
        true); // binary results: the items are bytes
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({binary_int64(r.bytes(i, 0)), key,
                     Time{std::chrono::seconds{binary_int64(r.bytes(i, 1))}},
                     std::string(r.bytes(i, 2))});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DigestSource& a, const DigestSource& b) { return a.id < b.id; });
  return out;
}

bool PgStore::store_digest(std::string_view digest_key, std::string_view period,
                           const std::vector<NewEntry>& messages,
                           const std::vector<EntryId>& covered) {
  pg::Transaction txn(db_);
  db_.exec(ingest_lock);
  db_.exec("INSERT INTO feeds (key, last_status) VALUES ($1, 'digest') ON CONFLICT (key) DO "
           "NOTHING",
           {digest_key});
  const std::int64_t feed =
      db_.exec("SELECT id FROM feeds WHERE key = $1", {digest_key}).int64(0, 0);
  for (const NewEntry& m : messages) {
    if (db_.exec("SELECT 1 FROM entries WHERE uidl = $1", {derive_uidl(digest_key, m.identity)})
            .rows() > 0) {
      return false; // rolled back: this period's digest exists
    }
  }
  const std::int64_t first_seen = now().time_since_epoch().count();
  for (const NewEntry& m : messages) {
    auto added = db_.exec(
        "INSERT INTO entries (feed_id, uidl, identity, content_hash, state, size, entry_date, "
        "first_seen) VALUES ($1, $2, $3, $4, 1, $5, $6, $7) RETURNING id",
        {feed, derive_uidl(digest_key, m.identity), std::string_view(m.identity),
         std::string_view(m.content_hash), static_cast<std::int64_t>(m.message.size()),
         m.entry_date ? std::optional<std::int64_t>(m.entry_date->time_since_epoch().count())
                      : std::nullopt,
         first_seen});
    db_.exec("INSERT INTO messages (entry_id, bytes) VALUES ($1, $2)",
             {added.int64(0, 0), pg::Param::bytes(m.message)});
    pg_save_tags(db_, added.int64(0, 0), feed, m.tags);
  }
  for (const EntryId id : covered) {
    db_.exec("INSERT INTO digest_coverage (digest_key, entry_id, period) VALUES ($1, $2, $3) "
             "ON CONFLICT DO NOTHING",
             {digest_key, std::int64_t{id}, period});
  }
  txn.commit();
  return true;
}

} // namespace feedpop::storage
