// SqliteStore: rule tags of entries (entry_tags.hpp; table entry_tags, migrations.cpp v7).
#include <sqlite3.h>

#include <algorithm>

#include "storage/entry_tags.hpp"
#include "storage/message_chunks.hpp"
#include "storage/sqlite_store.hpp"

namespace feedpop::storage {

namespace {

// "?N, ?, ?, …": `count` parameters numbered from `first` (a bare ? is one past the largest
// so far; numbering only the first keeps compiling linear, as in sqlite_mailbox.cpp).
std::string numbered(std::size_t count, int first) {
  std::string out(1, '?');
  out += std::to_string(first);
  for (std::size_t i = 1; i < count; ++i) {
    out += ", ?";
  }
  return out;
}

// One part of the listing: the entries of the feeds bound from parameter `first` on,
// either all of them or those of the tag bound as ?2; the user's id is ?1. CROSS JOIN fixes
// SQLite's join order: each feed, then its (tag, feed) key range of entry_tags, then each
// entry by id; without statistics the planner would scan the tag's rows of every feed.
std::string listing_part(std::size_t feeds, int first, bool tagged) {
  const std::string entries =
      tagged ? "CROSS JOIN entry_tags t ON t.tag = ?2 AND t.feed_id = f.id CROSS JOIN entries e "
               "ON e.id = t.entry_id AND e.state = 1 "
             : "JOIN entries e ON e.feed_id = f.id AND e.state = 1 ";
  return "SELECT e.id, e.uidl, e.size, f.key FROM feeds f " + entries + "WHERE f.key IN (" +
         numbered(feeds, first) +
         ") AND NOT EXISTS (SELECT 1 FROM deletions d WHERE d.user_id = ?1 AND d.entry_id = "
         "e.id)";
}

} // namespace

void sqlite_save_tags(sqlite::Database& db, EntryId entry, std::int64_t feed_id,
                      const std::vector<std::string>& tags) {
  if (tags.empty()) {
    return;
  }
  sqlite::Statement add(db, "INSERT OR IGNORE INTO entry_tags (tag, feed_id, entry_id) VALUES "
                            "(?1, ?2, ?3)");
  for (const std::string& tag : tags) {
    add.bind(1, std::string_view(tag)).bind(2, feed_id).bind(3, entry).run();
  }
}

void sqlite_backfill_tags(sqlite::Database& db) {
  // Delivered entries whose bytes are stored (their first chunk exists; message_chunks.hpp):
  // an entry row without bytes has nothing to read, and must not fail the upgrade.
  sqlite::Statement all(db, "SELECT e.id, e.feed_id FROM entries e WHERE e.state = 1 AND EXISTS "
                            "(SELECT 1 FROM message_chunks c WHERE c.id = e.id * ?1) ORDER BY "
                            "e.id");
  all.bind(1, chunk_rowid(1));
  ChunkReader reader(db);
  while (all.step()) {
    const EntryId id = all.int64(0);
    const std::string header = read_header([&](std::uint64_t offset, char* dest, std::size_t max) {
      return reader.read_at(id, offset, dest, max);
    });
    sqlite_save_tags(db, id, all.int64(1), header_keywords(header));
  }
}

std::vector<MailboxItem>
SqliteStore::tag_view_snapshot(std::string_view user, const std::vector<std::string>& feed_keys,
                               const std::vector<std::string>& tagged_feed_keys,
                               std::string_view tag) {
  std::vector<MailboxItem> out;
  if (feed_keys.empty() && tagged_feed_keys.empty()) {
    return out;
  }
  // One statement is one read transaction: both parts see the same committed entries, so
  // an entry stored meanwhile is either listed in order or (in a later session) after all.
  std::string sql;
  if (!feed_keys.empty()) {
    sql = listing_part(feed_keys.size(), 3, false);
  }
  if (!tagged_feed_keys.empty()) {
    sql += sql.empty() ? "" : " UNION ALL ";
    sql += listing_part(tagged_feed_keys.size(), 3 + static_cast<int>(feed_keys.size()), true);
  }
  sqlite::Statement st(db_, sql);
  st.bind(1, user_id(user).value_or(-1)).bind(2, tag);
  int index = 3;
  for (const auto* keys : {&feed_keys, &tagged_feed_keys}) {
    for (const std::string& key : *keys) {
      st.bind(index++, std::string_view(key));
    }
  }
  while (st.step()) {
    out.push_back(
        MailboxItem{st.int64(0), st.text(1), static_cast<std::uint64_t>(st.int64(2)), st.text(3)});
  }
  // Arrival order; an entry of a feed in both lists is listed once.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.id == b.id; }),
            out.end());
  return out;
}

} // namespace feedpop::storage
