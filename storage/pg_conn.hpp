#pragma once
// A thin RAII layer over libpq for the PostgreSQL store: one connection, parameterised
// statements (text parameters, one optional binary parameter for message bytes), named
// statements prepared once per connection, results that free themselves. Every failure
// throws StoreError with the server's message and SQLSTATE (ConnectionLost when the
// connection itself broke); nothing else is exposed outside storage/pg_*. Connections are
// shared through pg_pool.hpp.

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

// The connection broke (server restart, pg_terminate_backend, network): whatever the
// failed statement did is unknown unless it could not have written (Session retries those).
class ConnectionLost : public StoreError {
public:
  using StoreError::StoreError;
};

// A statement of a hot path, prepared (PQprepare) on a connection the first time it runs
// there and executed by name afterwards: the server parses and plans it once per
// connection. Names are unique among the program's Statements, which are constants.
struct Statement {
  std::string name;
  std::string sql;
};

// What runs statements: one Connection, or a pooled Session (pg_pool.hpp).
class Executor {
public:
  virtual ~Executor() = default;
  // Runs one statement; `binary_result` asks for binary-format columns (bytea).
  virtual Result exec(const std::string& sql, const std::vector<Param>& params = {},
                      bool binary_result = false) = 0;
  virtual Result exec(const Statement& statement, const std::vector<Param>& params = {},
                      bool binary_result = false) = 0;
  // Ends an open transaction without committing; never throws (a lost connection's
  // transaction was rolled back by the server).
  virtual void rollback() noexcept = 0;
};

class Connection final : public Executor {
public:
  explicit Connection(const std::string& url);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result exec(const std::string& sql, const std::vector<Param>& params = {},
              bool binary_result = false) override;
  Result exec(const Statement& statement, const std::vector<Param>& params = {},
              bool binary_result = false) override;
  void rollback() noexcept override;
  // Runs several ;-separated statements without parameters (migrations).
  void exec_script(const std::string& sql);
  bool in_transaction() const;
  // The connection is gone (a statement found it closed); it only serves again after
  // a reconnect, which exec() outside a transaction does by itself.
  bool broken() const;
  // The server process serving this connection (pg_stat_activity.pid).
  int backend_pid() const;

private:
  void ensure_connected();
  Result check(pg_result* r);
  pg_conn* conn_;
  // Statement::name of what is prepared on this connection (cleared by a reconnect).
  std::vector<std::string> prepared_;
};

// BEGIN … COMMIT; ROLLBACK when destroyed uncommitted (an exception unwound past it).
class Transaction {
public:
  explicit Transaction(Executor& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

private:
  Executor& c_;
  bool done_ = false;
};

// '{"a","b"}': a text[] literal for `= ANY($n::text[])`.
std::string text_array(const std::vector<std::string>& items);

} // namespace feedpop::storage::pg
