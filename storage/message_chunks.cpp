#include "storage/message_chunks.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string>

namespace feedpop::storage {

std::int64_t chunk_rowid(EntryId entry) {
  return entry << chunk_sequence_bits;
}

ChunkWriter::ChunkWriter(sqlite::Database& db)
    : insert_(db, "INSERT INTO message_chunks (id, bytes) VALUES (?1, ?2)") {}

void ChunkWriter::write(EntryId entry, std::string_view bytes) {
  const std::size_t count = std::max<std::size_t>(1, (bytes.size() + message_chunk_size - 1) /
                                                         message_chunk_size); // empty: one row
  if (count > (std::size_t{1} << chunk_sequence_bits)) {
    throw StoreError("sqlite: message of " + std::to_string(bytes.size()) +
                         " bytes is too large to store",
                     SQLITE_TOOBIG);
  }
  const std::int64_t first = chunk_rowid(entry);
  for (std::size_t seq = 0; seq < count; ++seq) {
    const std::size_t offset = seq * message_chunk_size;
    insert_.bind(1, first + static_cast<std::int64_t>(seq));
    // The caller's bytes outlive the statement step: no copy into SQLite.
    insert_.bind_blob_static(2, bytes.substr(offset, message_chunk_size));
    insert_.run();
  }
}

namespace {

// Resets a statement when a read ends, however it ends: a statement left stepping would
// hold its read transaction (and keep the WAL from being checkpointed).
class ResetOnExit {
public:
  explicit ResetOnExit(sqlite::Statement& st) : st_(st) {}
  ~ResetOnExit() { st_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

private:
  sqlite::Statement& st_;
};

[[noreturn]] void not_stored(EntryId entry) {
  throw StoreError("sqlite: message " + std::to_string(entry) + " is not stored", SQLITE_ERROR);
}

[[noreturn]] void bad_layout(EntryId entry) {
  throw StoreError("sqlite: message " + std::to_string(entry) + " has malformed chunk rows",
                   SQLITE_CORRUPT);
}

} // namespace

ChunkReader::ChunkReader(sqlite::Database& db)
    : rows_(db, "SELECT id, bytes FROM message_chunks WHERE id >= ?1 AND id < ?2 ORDER BY id"),
      any_(db, "SELECT 1 FROM message_chunks WHERE id >= ?1 AND id < ?2 LIMIT 1") {}

bool ChunkReader::stored(EntryId entry) {
  const ResetOnExit reset(any_);
  any_.bind(1, chunk_rowid(entry)).bind(2, chunk_rowid(entry + 1));
  return any_.step();
}

std::size_t ChunkReader::read_at(EntryId entry, std::uint64_t offset, char* dest, std::size_t max) {
  constexpr std::uint64_t chunk = message_chunk_size;
  constexpr std::uint64_t max_chunks = std::uint64_t{1} << chunk_sequence_bits;
  const std::uint64_t seq = offset / chunk;
  if (max == 0 || seq >= max_chunks) {
    if (!stored(entry)) {
      not_stored(entry);
    }
    return 0; // nothing asked for, or beyond the largest message that can be stored
  }
  std::size_t skip = static_cast<std::size_t>(offset % chunk);
  // The rows holding [offset, offset + max), clipped to the entry's own range.
  const std::uint64_t rows_wanted = std::min<std::uint64_t>(
      max_chunks - seq,
      (skip + std::min<std::uint64_t>(max, max_chunks * chunk) + chunk - 1) / chunk);
  const std::int64_t first = chunk_rowid(entry) + static_cast<std::int64_t>(seq);
  const ResetOnExit reset(rows_);
  rows_.bind(1, first).bind(2, first + static_cast<std::int64_t>(rows_wanted));
  std::size_t copied = 0;
  bool found = false;
  for (std::int64_t expect = first; copied < max && rows_.step(); ++expect, skip = 0) {
    found = true;
    const std::string_view bytes = rows_.blob(1);
    if (rows_.int64(0) != expect || bytes.size() > chunk) {
      bad_layout(entry);
    }
    if (skip >= bytes.size()) {
      break; // the offset lies past the end of the last (short) chunk
    }
    const std::size_t n = std::min(bytes.size() - skip, max - copied);
    std::copy_n(bytes.data() + skip, n, dest + copied);
    copied += n;
    if (bytes.size() < chunk) {
      if (rows_.step()) {
        bad_layout(entry); // only the last chunk may be short
      }
      break;
    }
  }
  if (!found && !stored(entry)) {
    not_stored(entry); // no row at the offset: past the end, or nothing stored at all
  }
  return copied;
}

} // namespace feedpop::storage
