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

void scan_chunks(sqlite::Database& db, EntryId entry,
                 const std::function<bool(std::string_view)>& fn) {
  sqlite::Statement rows(db, "SELECT bytes FROM message_chunks WHERE id >= ?1 AND id < ?2 "
                             "ORDER BY id");
  rows.bind(1, chunk_rowid(entry)).bind(2, chunk_rowid(entry + 1));
  if (!rows.step()) {
    throw StoreError("sqlite: message " + std::to_string(entry) + " is not stored", SQLITE_ERROR);
  }
  do {
    if (!fn(rows.blob(0))) {
      return;
    }
  } while (rows.step());
}

void read_chunks(sqlite::Database& db, EntryId entry, std::size_t chunk_size,
                 const std::function<bool(std::string_view)>& sink) {
  chunk_size = std::max<std::size_t>(chunk_size, 1);
  // Pieces are served straight from SQLite's row (mapped page) when a whole piece lies in
  // one chunk; only pieces spanning chunks are assembled in `pending`.
  std::string pending;
  bool stopped = false;
  scan_chunks(db, entry, [&](std::string_view bytes) {
    while (!bytes.empty()) {
      if (pending.empty() && bytes.size() >= chunk_size) {
        if (!sink(bytes.substr(0, chunk_size))) {
          stopped = true;
          return false;
        }
        bytes.remove_prefix(chunk_size);
        continue;
      }
      const std::size_t take = std::min(bytes.size(), chunk_size - pending.size());
      pending.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (pending.size() == chunk_size) {
        if (!sink(pending)) {
          stopped = true;
          return false;
        }
        pending.clear();
      }
    }
    return true;
  });
  if (!stopped && !pending.empty()) {
    sink(pending);
  }
}

} // namespace feedpop::storage
