#pragma once
// A thin RAII layer over libpq for the PostgreSQL store: one connection, parameterised
// statements (text parameters, one optional binary parameter for message bytes), results
// that free themselves. Every failure throws StoreError with the server's message and
// SQLSTATE; nothing else is exposed outside storage/pg_*.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/store.hpp"

struct pg_conn;
struct pg_result;

namespace feedpop::storage::pg {

// A statement parameter: NULL, text, or raw bytes sent in binary format (bytea).
struct Param {
  std::optional<std::string> value;
  bool binary = false;

  Param() = default;
  Param(std::nullopt_t) {}
  Param(std::string v) : value(std::move(v)) {}
  Param(std::string_view v) : value(std::string(v)) {}
  Param(const char* v) : value(std::string(v)) {}
  Param(std::int64_t v) : value(std::to_string(v)) {}
  Param(const std::optional<std::string>& v) : value(v) {}
  Param(const std::optional<std::int64_t>& v) {
    if (v) {
      value = std::to_string(*v);
    }
  }
  static Param bytes(std::string_view v) {
    Param p{v};
    p.binary = true;
    return p;
  }
};

class Result {
public:
  explicit Result(pg_result* r) : r_(r) {}
  ~Result();
  Result(Result&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;

  int rows() const;
  bool null(int row, int col) const;
  std::string text(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  std::optional<std::int64_t> opt_int64(int row, int col) const;
  // The value's bytes as sent (binary-format results: a bytea's raw bytes).
  std::string_view bytes(int row, int col) const;

private:
  pg_result* r_;
};

class Connection {
public:
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement; `binary_result` asks for binary-format columns (bytea).
  Result exec(const std::string& sql, const std::vector<Param>& params = {},
              bool binary_result = false);
  // Runs several ;-separated statements without parameters (migrations).
  void exec_script(const std::string& sql);
  bool in_transaction() const;

private:
  void ensure_connected();
  pg_conn* conn_;
};

// BEGIN … COMMIT; ROLLBACK when destroyed uncommitted (an exception unwound past it).
class Transaction {
public:
  explicit Transaction(Connection& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

private:
  Connection& c_;
  bool done_ = false;
};

// '{"a","b"}': a text[] literal for `= ANY($n::text[])`.
std::string text_array(const std::vector<std::string>& items);

} // namespace feedpop::storage::pg
