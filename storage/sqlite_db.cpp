#include "storage/sqlite_db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <limits>
#include <map>
#include <memory>
#include <mutex>

namespace feedpop::storage::sqlite {

namespace {

std::string describe(sqlite3* db, const std::string& context, int rc) {
  std::string msg = "sqlite: " + context + ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  msg += " (code " + std::to_string(rc) + ")";
  return msg;
}

int checked_size(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw StoreError("sqlite: value too large to bind", SQLITE_TOOBIG);
  }
  return static_cast<int>(n);
}

// Creates a missing database file empty (a valid SQLite database) with mode 0600 before
// SQLite opens it. SQLite gives the -wal and -shm files it creates the database file's
// mode, so entries and users' mailbox state are readable by feedpop's user only, whatever
// the umask, outside systemd (whose unit sets UMask=0077) too. An existing file keeps its
// mode; any other failure is left for sqlite3_open_v2 to report.
void create_private(const std::string& path) {
  if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
    return;
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  }
}

} // namespace

Database::Database(const std::string& path) {
  create_private(path);
  const int rc =
      sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string what = describe(db_, "open " + path, rc);
    sqlite3_close(db_); // sqlite3_open_v2 may return a handle even on failure
    throw StoreError(what, rc);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

void Database::fail(const std::string& context, int rc) const {
  throw StoreError(describe(db_, context, rc), sqlite3_extended_errcode(db_));
}

void Database::exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    fail(std::string("exec ") + sql, rc);
  }
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

std::int64_t Database::pragma_int(const char* sql) {
  Statement st(*this, sql);
  return st.step() ? st.int64(0) : 0;
}

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  const int rc =
      sqlite3_prepare_v2(db.handle(), sql.data(), checked_size(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    db.fail("prepare " + std::string(sql), rc);
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) {
    db_.fail("bind", rc);
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  const int rc =
      sqlite3_bind_text(stmt_, index, text.data(), checked_size(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_.fail("bind", rc);
  }
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  const char* data = bytes.empty() ? "" : bytes.data();
  const int rc =
      sqlite3_bind_blob(stmt_, index, data, checked_size(bytes.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_.fail("bind", rc);
  }
  return *this;
}

Statement& Statement::bind_blob_static(int index, std::string_view bytes) {
  const char* data = bytes.empty() ? "" : bytes.data();
  const int rc = sqlite3_bind_blob(stmt_, index, data, checked_size(bytes.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) {
    db_.fail("bind", rc);
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) {
    db_.fail("bind", rc);
  }
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  const std::string sql = sqlite3_sql(stmt_) != nullptr ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  db_.fail("step " + sql, rc);
}

void Statement::run() {
  step();
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

std::string Statement::text(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p != nullptr ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::string_view Statement::blob(int column) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int n = sqlite3_column_bytes(stmt_, column);
  return p != nullptr ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

std::optional<std::int64_t> Statement::opt_int64(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return int64(column);
}

std::optional<std::string> Statement::opt_text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return text(column);
}

namespace {

// One mutex per database file for the write transactions of this process. SQLite's busy
// handler polls with sleeps of up to 100 ms, so among many connections waiting for the
// write lock (a hundred sessions QUITting with deletions while the fetcher ingests) an
// unlucky one can keep losing until its busy timeout expires. Waiting here instead queues
// the process's writers on a futex; SQLite's own lock still arbitrates between processes.
std::unique_lock<std::mutex> lock_writers(sqlite3* handle) {
  static std::mutex registry_mutex;
  static std::map<std::string, std::unique_ptr<std::mutex>> registry;
  const char* file = sqlite3_db_filename(handle, "main");
  std::mutex* m = nullptr;
  {
    std::lock_guard guard(registry_mutex);
    auto& slot = registry[file != nullptr ? file : ""];
    if (!slot) {
      slot = std::make_unique<std::mutex>();
    }
    m = slot.get();
  }
  return std::unique_lock<std::mutex>(*m);
}

} // namespace

Transaction::Transaction(Database& db) : db_(db), writers_(lock_writers(db.handle())) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (open_) {
    // Nothing to report from a destructor: ROLLBACK only fails when no transaction is
    // active any more (SQLite already rolled back after an I/O error).
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
  writers_.unlock();
}

} // namespace feedpop::storage::sqlite
