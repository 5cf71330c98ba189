#pragma once
// A whole stored message, read the way RETR reads it: Store::read_at one buffer at a time
// (tests only; the product never needs a message whole).

#include <string>

#include "storage/store.hpp"

namespace feedpop::storage::testing {

// Throws StoreError when the message is not stored, as read_at does.
inline std::string read_whole(Store& store, EntryId entry, std::size_t buffer = 4096) {
  std::string out;
  std::string piece(buffer, '\0');
  for (std::size_t n; (n = store.read_at(entry, out.size(), piece.data(), piece.size())) > 0;) {
    out.append(piece, 0, n);
  }
  return out;
}

} // namespace feedpop::storage::testing
