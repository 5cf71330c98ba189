#include "storage/pg_conn.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>

namespace feedpop::storage::pg {

namespace {

// libpq has no numeric error codes; StoreError carries SQLite's SQLITE_ERROR (1) and the
// SQLSTATE goes into the message.
constexpr int pg_error_code = 1;

[[noreturn]] void fail(const std::string& what, const PGresult* r) {
  std::string message = "postgresql: " + what;
  if (r != nullptr) {
    if (const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE)) {
      message += std::string(" (SQLSTATE ") + state + ")";
    }
  }
  throw StoreError(message, pg_error_code);
}

void quiet_notices(void*, const char*) {} // NOTICEs (e.g. "relation exists") are not errors

std::string trimmed(std::string error) {
  while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) {
    error.pop_back();
  }
  return error;
}

} // namespace

Result::~Result() {
  if (r_ != nullptr) {
    PQclear(r_);
  }
}

int Result::rows() const {
  return PQntuples(r_);
}
bool Result::null(int row, int col) const {
  return PQgetisnull(r_, row, col) != 0;
}
std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}
std::optional<std::string> Result::opt_text(int row, int col) const {
  if (null(row, col)) {
    return std::nullopt;
  }
  return text(row, col);
}
std::int64_t Result::int64(int row, int col) const {
  const char* v = PQgetvalue(r_, row, col);
  const char* end = v + PQgetlength(r_, row, col);
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v, end, out);
  if (ec != std::errc{} || ptr != end) {
    throw StoreError(std::string("postgresql: expected an integer, got '") + v + "'",
                     pg_error_code);
  }
  return out;
}
std::optional<std::int64_t> Result::opt_int64(int row, int col) const {
  if (null(row, col)) {
    return std::nullopt;
  }
  return int64(row, col);
}
std::string_view Result::bytes(int row, int col) const {
  return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
}

Connection::Connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (conn_ == nullptr) {
    throw StoreError("postgresql: out of memory connecting", pg_error_code);
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string error = trimmed(PQerrorMessage(conn_));
    PQfinish(conn_);
    throw StoreError("postgresql: cannot connect: " + error, pg_error_code);
  }
  PQsetNoticeProcessor(conn_, quiet_notices, nullptr);
}

Connection::~Connection() {
  PQfinish(conn_);
}

void Connection::ensure_connected() {
  // A server restart breaks the connection; outside a transaction nothing is lost by
  // opening it again.
  if (PQstatus(conn_) == CONNECTION_BAD) {
    prepared_.clear(); // a new server session knows none of them
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      throw ConnectionLost("postgresql: connection lost: " + trimmed(PQerrorMessage(conn_)),
                           pg_error_code);
    }
  }
}

bool Connection::in_transaction() const {
  const auto status = PQtransactionStatus(conn_);
  return status != PQTRANS_IDLE && status != PQTRANS_UNKNOWN;
}

bool Connection::broken() const {
  return PQstatus(conn_) == CONNECTION_BAD;
}

int Connection::backend_pid() const {
  return PQbackendPID(conn_);
}

Result Connection::check(PGresult* r) {
  Result result(r);
  const auto status = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    const std::string error = trimmed(PQerrorMessage(conn_));
    if (broken()) {
      throw ConnectionLost("postgresql: connection lost: " + error, pg_error_code);
    }
    fail(error, r);
  }
  return result;
}

namespace {

struct Values {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;

  explicit Values(const std::vector<Param>& params) {
    for (const Param& p : params) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
};

} // namespace

Result Connection::exec(const std::string& sql, const std::vector<Param>& params,
                        bool binary_result) {
  if (!in_transaction()) {
    ensure_connected();
  }
  const Values v(params);
  return check(PQexecParams(conn_, sql.c_str(), v.count(), nullptr, v.values.data(),
                            v.lengths.data(), v.formats.data(), binary_result ? 1 : 0));
}

Result Connection::exec(const Statement& statement, const std::vector<Param>& params,
                        bool binary_result) {
  if (!in_transaction()) {
    ensure_connected();
  }
  const Values v(params);
  if (std::find(prepared_.begin(), prepared_.end(), statement.name) == prepared_.end()) {
    // Parameter types are inferred from the statement, as PQexecParams does.
    check(PQprepare(conn_, statement.name.c_str(), statement.sql.c_str(), v.count(), nullptr));
    prepared_.push_back(statement.name);
  }
  return check(PQexecPrepared(conn_, statement.name.c_str(), v.count(), v.values.data(),
                              v.lengths.data(), v.formats.data(), binary_result ? 1 : 0));
}

void Connection::rollback() noexcept {
  if (broken() || !in_transaction()) {
    return; // nothing open, or the server rolled it back when the connection broke
  }
  try {
    exec("ROLLBACK");
  } catch (const StoreError&) {
    // The connection is gone; the server rolled the transaction back itself.
  }
}

void Connection::exec_script(const std::string& sql) {
  // Inside an explicit transaction the statements run as one unit; the first failure
  // stops the rest and is reported.
  check(PQexec(conn_, sql.c_str()));
}

Transaction::Transaction(Executor& c) : c_(c) {
  c_.exec("BEGIN");
}

Transaction::~Transaction() {
  if (!done_) {
    c_.rollback();
  }
}

void Transaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    for (const char ch : items[i]) {
      if (ch == '"' || ch == '\\') {
        out += '\\';
      }
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

} // namespace feedpop::storage::pg
