#pragma once
// Message bytes as fixed-size chunk rows (schema v3), private to storage/.
//
// A message is stored in table message_chunks as rows of at most message_chunk_size bytes,
// rowid = entry id × 2^20 + sequence number, so the rows of one message are contiguous in
// the table's B-tree and read back in order by a rowid range scan (no extra index). Every
// stored message has at least one row (an empty message is one empty chunk), so "no rows"
// means "not stored". Readers concatenate whatever chunks they find: the chunk size can
// change between versions without a migration.
//
// Why chunks (bench/RESULTS.md, "Storage"): SQLite keeps a row whose payload fits in a page
// inside a leaf, so a 1–4 KB message used to fill a 4 KiB leaf on its own (1.5× the bytes).
// 496-byte chunks pack eight to a leaf whatever the message sizes are.
//
// Threading and errors: as sqlite_db.hpp (one thread per connection, StoreError).

#include <cstdint>
#include <functional>
#include <string_view>

#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"

namespace feedpop::storage {

// Eight cells of 496 payload bytes fill a 4 KiB table leaf (cell: 2-byte payload length,
// rowid varint ≤ 7 bytes up to entry id 2^29, 4-byte record header, 2-byte cell pointer).
inline constexpr std::size_t message_chunk_size = 496;
inline constexpr int chunk_sequence_bits = 20; // up to 2^20 chunks: 520 MB per message

// First rowid of an entry's chunks; its chunks are [chunk_rowid(id), chunk_rowid(id + 1)).
std::int64_t chunk_rowid(EntryId entry);

// Inserts messages' chunks; one prepared statement reused for every row.
class ChunkWriter {
public:
  explicit ChunkWriter(sqlite::Database& db);
  // Throws StoreError (SQLITE_TOOBIG) for a message beyond 2^20 chunks.
  void write(EntryId entry, std::string_view bytes);

private:
  sqlite::Statement insert_;
};

// Calls fn with each stored chunk of the entry in order until it returns false. One
// statement: one consistent read transaction. Throws StoreError when nothing is stored.
void scan_chunks(sqlite::Database& db, EntryId entry,
                 const std::function<bool(std::string_view)>& fn);

// Calls sink with the entry's bytes in order, in pieces of 1..chunk_size bytes (none for an
// empty message) until it returns false. One statement: one consistent read transaction.
// Throws StoreError when the entry has no stored bytes.
void read_chunks(sqlite::Database& db, EntryId entry, std::size_t chunk_size,
                 const std::function<bool(std::string_view)>& sink);

} // namespace feedpop::storage
