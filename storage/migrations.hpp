#pragma once
// The schema's history (STYLE.md §6): an ordered {version, sql} list. migrate() applies
// each step above the file's PRAGMA user_version in its own transaction, recording the
// version in the same transaction, so a crash leaves the file at one exact version.
// A file newer than this build is refused: an old binary must not write a schema it
// does not understand.

#include <span>

#include "storage/sqlite_db.hpp"

namespace feedpop::storage {

struct Migration {
  int version;
  const char* sql;
  // Data conversion that SQL alone does poorly, run after `sql` in the same transaction.
  void (*convert)(sqlite::Database&) = nullptr;
};

std::span<const Migration> schema_migrations();
int latest_schema_version();

// Applies the steps (ascending versions) that the database has not seen yet. Throws
// StoreError (code SQLITE_ERROR) when the file's version is above the last step.
void migrate(sqlite::Database& db, std::span<const Migration> steps);

} // namespace feedpop::storage
