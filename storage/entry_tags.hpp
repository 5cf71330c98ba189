#pragma once
// Rule tags stored with entries (store.hpp NewEntry::tags, Store::tag_view_snapshot),
// private to storage/. Table entry_tags (SQLite migrations.cpp v7, PostgreSQL
// pg_migrations.cpp v5) holds one row per (tag, feed, entry) of a delivered entry, keyed in
// that order: a tag view reads exactly the rows of its tag and its feeds, in entry (arrival)
// order, however large the mailbox is. The feed id repeats the entry's (never changes) so
// that the key can lead with it; an index on entry_id serves retention's deletes.
//
// Messages stored before the table existed name their tags in their Keywords field
// (mail/render.cpp, RFC 5322 §3.6.5); the migrations copy those into the table once, so tag
// views show the same messages after an upgrade.
//
// Threading and errors: as the backend's connection (one thread; StoreError).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/pg_conn.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"

namespace feedpop::storage {

// A message's header is searched for Keywords up to this many bytes; feedpop's own
// headers are far shorter.
inline constexpr std::size_t max_header_bytes = 64 * 1024;

// Reads up to `max` bytes of one message from `offset` into `dest`; returns how many
// (Store::read_at's contract).
using ReadAt = std::function<std::size_t(std::uint64_t offset, char* dest, std::size_t max)>;

// The message's header section (its fields, each ending in CRLF, without the empty line),
// read a few KiB at a time and at most max_header_bytes.
std::string read_header(const ReadAt& read);

// The names a message's Keywords fields list: comma-separated, folded lines unfolded,
// from the header section only (the field name in any case); each name once, in order.
std::vector<std::string> header_keywords(std::string_view message);

// Stores `tags` for the entry (inside the caller's transaction; repeats are ignored).
void sqlite_save_tags(sqlite::Database& db, EntryId entry, std::int64_t feed_id,
                      const std::vector<std::string>& tags);
void pg_save_tags(pg::Connection& db, EntryId entry, std::int64_t feed_id,
                  const std::vector<std::string>& tags);

// Migration steps: every delivered entry's Keywords, read from its stored message, into
// entry_tags (inside the migration's transaction).
void sqlite_backfill_tags(sqlite::Database& db);
void pg_backfill_tags(pg::Connection& db);

} // namespace feedpop::storage
