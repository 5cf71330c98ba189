#pragma once
// Message bytes as fixed-size chunk rows, private to storage/.
//
// A message is stored in table message_chunks as rows of message_chunk_size bytes (the last
// one shorter), rowid = entry id × 2^20 + sequence number, so the rows of one message are
// contiguous in the table's B-tree and the row holding byte `offset` is
// chunk_rowid(id) + offset / message_chunk_size: a read at any offset seeks straight to its
// row (no extra index, no scan from the start). Every stored message has at least one row
// (an empty message is one empty chunk), so "no rows" means "not stored". The chunk size is
// therefore part of the file format: changing it needs a migration that rewrites the rows.
//
// Why chunks (bench/RESULTS.md, "Storage"): SQLite keeps a row whose payload fits in a page
// inside a leaf, so a whole 1–4 KB message per row fills a 4 KiB leaf on its own (1.5× the
// bytes); 496-byte chunks pack eight to a leaf whatever the message sizes are.
//
// Threading and errors: as sqlite_db.hpp (one thread per connection, StoreError).

#include <cstdint>
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

// Reads a message's bytes from any offset; its statements are prepared once and reset
// after every read, so a ChunkReader holds no read transaction between reads.
class ChunkReader {
public:
  explicit ChunkReader(sqlite::Database& db);
  // Copies up to `max` bytes of the entry's message starting at `offset` into `dest` and
  // returns how many: fewer only at the end of the message, 0 at or past it. Only the rows
  // holding those bytes are read, in one statement (one consistent read transaction).
  // Throws StoreError when the entry has no stored bytes, or when its rows do not have the
  // layout above (a corrupt or foreign file).
  std::size_t read_at(EntryId entry, std::uint64_t offset, char* dest, std::size_t max);

private:
  bool stored(EntryId entry);

  sqlite::Statement rows_;
  sqlite::Statement any_;
};

} // namespace feedpop::storage
