#pragma once
// Thin RAII layer over the SQLite C API, private to storage/ (SQLiteCpp's shape):
// a Database owns one connection, a Statement one prepared statement with bound
// parameters, a Transaction guard rolls back unless commit() runs.
//
// Threading: a Database and its Statements belong to one thread at a time.
// Errors: every failing SQLite call throws StoreError with the extended result code and
// the connection's message; SQLITE_BUSY only surfaces after the busy timeout expired.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "storage/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace feedpop::storage::sqlite {

class Database {
public:
  // Opens (creating when missing) the file read-write with extended result codes.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const char* sql);               // one or more statements, no parameters
  std::int64_t pragma_int(const char* sql); // first column of the first row
  std::int64_t changes() const;             // rows changed by the last INSERT/UPDATE/DELETE
  std::int64_t last_insert_rowid() const;
  sqlite3* handle() const { return db_; }
  [[noreturn]] void fail(const std::string& context, int rc) const;

private:
  sqlite3* db_ = nullptr;
};

class Statement {
public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQL text (?1, ?2 …).
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  // No copy: `bytes` must stay valid until the statement is stepped and reset.
  Statement& bind_blob_static(int index, std::string_view bytes);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bind(int index, const std::optional<std::string>& text);

  bool step();  // true: a row is available; false: done
  void run();   // step() expecting no row, then reset()
  void reset(); // also clears bindings

  bool is_null(int column) const;
  std::int64_t int64(int column) const;
  std::string text(int column) const;
  std::string_view blob(int column) const; // valid until the next step() or reset()
  std::optional<std::int64_t> opt_int64(int column) const;
  std::optional<std::string> opt_text(int column) const;

private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock up front so the busy timeout applies to it: a
// deferred transaction that upgrades later can fail with SQLITE_BUSY_SNAPSHOT in WAL mode,
// which no busy handler retries.
class Transaction {
public:
  explicit Transaction(Database& db);
  ~Transaction(); // rolls back unless committed
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

private:
  Database& db_;
  std::unique_lock<std::mutex> writers_; // this process's writers to the file, one at a time
  bool open_ = true;
};

} // namespace feedpop::storage::sqlite
