#pragma once
// The store suites run against both backends: SQLite files in a temporary directory and
// databases on a real PostgreSQL server (tests/support/postgres_server.hpp; skipped with
// a message where PostgreSQL is not installed).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "storage/pg_conn.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"
#include "tests/storage/temp_dir.hpp"
#include "tests/support/postgres_server.hpp"

namespace feedpop::storage::testing {

enum class Backend { sqlite, postgresql };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "sqlite" : "postgresql";
}

// One database of the given backend: a file, or a fresh PostgreSQL database.
class BackendDatabase {
public:
  explicit BackendDatabase(Backend backend) : backend_(backend) {
    if (backend_ == Backend::postgresql && available()) {
      url_ = feedpop::testing::PostgresServer::shared().create_database();
    }
  }
  // False when this backend cannot run here; skip_reason() says why.
  bool available() const {
    return backend_ == Backend::sqlite || feedpop::testing::PostgresServer::shared().available();
  }
  std::string skip_reason() const { return feedpop::testing::PostgresServer::shared().reason(); }
  // Call first in SetUp(): skips where PostgreSQL is not installed, fails where it is
  // installed but cannot start.
  bool usable() const {
    if (available()) {
      return true;
    }
    // Recorded as the test's result; the caller returns from SetUp() and the body is
    // not run (a fatal failure or a skip).
    const bool installed = feedpop::testing::PostgresServer::shared().installed();
    GTEST_MESSAGE_AT_(__FILE__, __LINE__, ("PostgreSQL: " + skip_reason()).c_str(),
                      installed ? ::testing::TestPartResult::kFatalFailure
                                : ::testing::TestPartResult::kSkip);
    return false;
  }
  Backend backend() const { return backend_; }
  const std::string& sqlite_path() const { return path_; }
  // The libpq connection string (PostgreSQL only).
  const std::string& url() const { return url_; }

  // Raw SQL on a connection of its own, bypassing the Store (checks of what is stored;
  // the table names entries, deletions and users are the same on both backends).
  std::int64_t scalar(const std::string& sql) const {
    if (backend_ == Backend::sqlite) {
      return sqlite::Database(path_).pragma_int(sql.c_str());
    }
    return pg::Connection(url_).exec(sql).int64(0, 0);
  }
  // The first column of every row, as text.
  std::vector<std::string> column(const std::string& sql) const {
    std::vector<std::string> out;
    if (backend_ == Backend::sqlite) {
      sqlite::Database raw(path_);
      sqlite::Statement rows(raw, sql.c_str());
      while (rows.step()) {
        out.push_back(rows.text(0));
      }
      return out;
    }
    pg::Connection raw(url_);
    const auto rows = raw.exec(sql);
    for (int i = 0; i < rows.rows(); ++i) {
      out.push_back(rows.text(i, 0));
    }
    return out;
  }

  std::unique_ptr<Store> open(Role role, StoreOptions options = {}) const {
    if (backend_ == Backend::sqlite) {
      return open_sqlite_store(path_, role, std::move(options));
    }
    return open_postgresql_store(url_, role, std::move(options));
  }

private:
  Backend backend_;
  TempDir dir_;
  std::string path_ = dir_.file(database_file_name);
  std::string url_;
};

} // namespace feedpop::storage::testing
