// SqliteStore: digests (store.hpp "digests"; tables digest_items and digest_coverage,
// migrations.cpp v5).

#include <sqlite3.h>

#include <algorithm>

#include "storage/entry_tags.hpp"
#include "storage/message_chunks.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/uidl.hpp"

namespace feedpop::storage {

std::vector<DigestSource>
SqliteStore::pending_digest_items(std::string_view digest_key,
                                  const std::vector<std::string>& feed_keys, Time until) {
  sqlite::Statement st(db_, "SELECT e.id, e.first_seen, d.item FROM feeds f "
                            "JOIN entries e ON e.feed_id = f.id AND e.state = 1 "
                            "JOIN digest_items d ON d.entry_id = e.id "
                            "WHERE f.key = ?1 AND e.first_seen <= ?2 AND NOT EXISTS ("
                            "SELECT 1 FROM digest_coverage c WHERE c.digest_key = ?3 "
                            "AND c.entry_id = e.id) ORDER BY e.id");
  std::vector<DigestSource> out;
  for (const std::string& key : feed_keys) {
    st.bind(1, std::string_view(key))
        .bind(2, std::int64_t{until.time_since_epoch().count()})
        .bind(3, digest_key);
    while (st.step()) {
      out.push_back(
          {st.int64(0), key, Time{std::chrono::seconds{st.int64(1)}}, std::string(st.blob(2))});
    }
    st.reset();
  }
  std::sort(out.begin(), out.end(),
            [](const DigestSource& a, const DigestSource& b) { return a.id < b.id; });
  return out;
}

bool SqliteStore::store_digest(std::string_view digest_key, std::string_view period,
                               const std::vector<NewEntry>& messages,
                               const std::vector<EntryId>& covered) {
  sqlite::Transaction txn(db_);
  sqlite::Statement(db_, "INSERT OR IGNORE INTO feeds (key, last_status) VALUES (?1, 'digest')")
      .bind(1, digest_key)
      .run();
  sqlite::Statement feed(db_, "SELECT id FROM feeds WHERE key = ?1");
  feed.bind(1, digest_key);
  if (!feed.step()) {
    throw StoreError("sqlite: digest feed row vanished inside its transaction", SQLITE_ERROR);
  }
  const std::int64_t feed_id = feed.int64(0);
  feed.reset();
  sqlite::Statement find(db_, "SELECT 1 FROM entries WHERE uidl = ?1");
  for (const NewEntry& m : messages) {
    const bool known = find.bind(1, std::string_view(derive_uidl(digest_key, m.identity))).step();
    find.reset();
    if (known) {
      return false; // rolled back: this period's digest exists
    }
  }
  const std::int64_t first_seen = now().time_since_epoch().count();
  sqlite::Statement add(db_,
                        "INSERT INTO entries (feed_id, uidl, identity, content_hash, state, "
                        "size, entry_date, first_seen) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7)");
  ChunkWriter chunks(db_);
  for (const NewEntry& m : messages) {
    add.bind(1, feed_id).bind(2, std::string_view(derive_uidl(digest_key, m.identity)));
    add.bind(3, std::string_view(m.identity)).bind(4, std::string_view(m.content_hash));
    add.bind(5, static_cast<std::int64_t>(m.message.size()));
    add.bind(6, m.entry_date ? std::optional<std::int64_t>(m.entry_date->time_since_epoch().count())
                             : std::nullopt);
    add.bind(7, first_seen).run();
    const std::int64_t entry = db_.last_insert_rowid();
    chunks.write(entry, m.message);
    sqlite_save_tags(db_, entry, feed_id, m.tags);
  }
  sqlite::Statement cover(db_, "INSERT OR IGNORE INTO digest_coverage (digest_key, entry_id, "
                               "period) VALUES (?1, ?2, ?3)");
  for (const EntryId id : covered) {
    cover.bind(1, digest_key).bind(2, id).bind(3, period).run();
  }
  txn.commit();
  return true;
}

} // namespace feedpop::storage
