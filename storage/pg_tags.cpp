// PgStore: rule tags of entries (entry_tags.hpp; table entry_tags, pg_migrations.cpp v5).
#include <algorithm>
#include <string>

#include "storage/entry_tags.hpp"
#include "storage/pg_store.hpp"

namespace feedpop::storage {

namespace {

// The backfill reads messages' first bytes in batches of entries; a header longer than
// this is read again on its own, up to max_header_bytes.
constexpr std::int64_t backfill_head_bytes = 8192;
constexpr int backfill_batch = 500;

// A text-format column of a binary-format result: its raw bytes are the text.
std::int64_t text_int64(std::string_view bytes) {
  return std::stoll(std::string(bytes));
}

} // namespace

void pg_save_tags(pg::Connection& db, EntryId entry, std::int64_t feed_id,
                  const std::vector<std::string>& tags) {
  if (tags.empty()) {
    return;
  }
  db.exec("INSERT INTO entry_tags (tag, feed_id, entry_id) SELECT t, $2, $3 FROM "
          "unnest($1::text[]) t ON CONFLICT DO NOTHING",
          {pg::text_array(tags), feed_id, std::int64_t{entry}});
}

// Delivered entries with stored bytes only (the join): an entry row without bytes has
// nothing to read, and must not fail the upgrade.
void pg_backfill_tags(pg::Connection& db) {
  std::int64_t after = 0;
  for (;;) {
    auto rows = db.exec("SELECT e.id::text, e.feed_id::text, substring(m.bytes FROM 1 FOR $2::int) "
                        "FROM entries e JOIN messages m ON m.entry_id = e.id WHERE e.state = 1 "
                        "AND e.id > $1 ORDER BY e.id LIMIT $3",
                        {after, backfill_head_bytes, std::int64_t{backfill_batch}}, true);
    for (int i = 0; i < rows.rows(); ++i) {
      const EntryId id = text_int64(rows.bytes(i, 0));
      std::string head(rows.bytes(i, 2));
      if (head.find("\r\n\r\n") == std::string::npos &&
          head.size() == static_cast<std::size_t>(backfill_head_bytes)) {
        head = read_header([&](std::uint64_t offset, char* dest, std::size_t max) {
          auto r = db.exec("SELECT substring(bytes FROM $2::int FOR $3::int) FROM messages WHERE "
                           "entry_id = $1",
                           {std::int64_t{id}, static_cast<std::int64_t>(offset) + 1,
                            static_cast<std::int64_t>(max)},
                           true);
          const std::string_view bytes = r.bytes(0, 0);
          const std::size_t n = std::min(bytes.size(), max);
          std::copy_n(bytes.data(), n, dest);
          return n;
        });
      }
      pg_save_tags(db, id, text_int64(rows.bytes(i, 1)), header_keywords(head));
      after = id;
    }
    if (rows.rows() < backfill_batch) {
      return;
    }
  }
}

std::vector<MailboxItem>
PgStore::tag_view_snapshot(std::string_view user, const std::vector<std::string>& feed_keys,
                           const std::vector<std::string>& tagged_feed_keys, std::string_view tag) {
  std::vector<MailboxItem> out;
  if (feed_keys.empty() && tagged_feed_keys.empty()) {
    return out;
  }
  // One statement sees one consistent state (READ COMMITTED takes its snapshot per
  // statement): both parts list the same committed entries. An entry of a feed in both
  // lists comes once (UNION, keyed by id among the selected columns).
  const std::string not_deleted = " AND NOT EXISTS (SELECT 1 FROM deletions d JOIN users u ON "
                                  "u.id = d.user_id WHERE u.name = $1 AND d.entry_id = e.id)";
  auto r = db_.exec("SELECT e.id, e.uidl, e.size, f.key FROM feeds f JOIN entries e ON "
                    "e.feed_id = f.id AND e.state = 1 WHERE f.key = ANY($2::text[])" +
                        not_deleted +
                        " UNION SELECT e.id, e.uidl, e.size, f.key FROM feeds f JOIN entry_tags "
                        "t ON t.tag = $4 AND t.feed_id = f.id JOIN entries e ON e.id = "
                        "t.entry_id AND e.state = 1 WHERE f.key = ANY($3::text[])" +
                        not_deleted + " ORDER BY 1",
                    {user, pg::text_array(feed_keys), pg::text_array(tagged_feed_keys), tag});
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(MailboxItem{r.int64(i, 0), r.text(i, 1),
                              static_cast<std::uint64_t>(r.int64(i, 2)), r.text(i, 3)});
  }
  return out;
}

} // namespace feedpop::storage
