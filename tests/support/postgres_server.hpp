#pragma once
// A real PostgreSQL 15 server for tests (Debian's `postgresql` package, scripts/bootstrap
// test_pkgs): initdb and pg_ctl in a temporary directory, listening only on a Unix socket
// in that directory (no port to collide with). PostgreSQL refuses to run as root, so as
// root the cluster belongs to `nobody` (runuser). One server per test process, started at
// first use and stopped at exit; each test gets a fresh database from create_database().
//
// Where the binaries are absent, available() is false and reason() says why: tests skip.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

namespace feedpop::testing {

class PostgresServer {
public:
  // The process-wide server, started on first call.
  static PostgresServer& shared() {
    static PostgresServer server;
    return server;
  }

  // Installed but not running (initdb or pg_ctl failed) is a test failure, not a skip.
  bool installed() const { return installed_; }
  bool available() const { return started_; }
  const std::string& reason() const { return reason_; }

  // A new empty database; returns its libpq connection string.
  std::string create_database() {
    // Appended piecewise: GCC 12 -O3 reports a false -Wrestrict on "t" + std::string.
    std::string name(1, 't');
    name.append(std::to_string(::getpid())).append(1, '_').append(std::to_string(++count_));
    if (!run(psql() + " -q -c 'CREATE DATABASE " + name + "'")) {
      throw std::runtime_error("CREATE DATABASE " + name + " failed");
    }
    return url(name);
  }
  std::string url(const std::string& database) const {
    return "host=" + dir_.string() + " user=feedpop dbname=" + database;
  }

  ~PostgresServer() {
    if (started_) {
      std::system((as_owner() + bin("pg_ctl") + " -D " + (dir_ / "data").string() +
                   " -m immediate stop >/dev/null 2>&1")
                      .c_str());
    }
    if (!dir_.empty() && (started_ || !installed_)) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

private:
  PostgresServer() {
    const char* env = std::getenv("FEEDPOP_PG_BIN");
    bin_dir_ = env != nullptr ? env : "/usr/lib/postgresql/15/bin";
    if (!std::filesystem::exists(bin_dir_ / "initdb")) {
      reason_ = "PostgreSQL 15 is not installed (" + (bin_dir_ / "initdb").string() +
                " is missing; scripts/bootstrap installs it)";
      return;
    }
    std::string pattern = "/tmp/feedpop-pg-XXXXXX"; // short: socket paths are ≤ 107 bytes
    if (mkdtemp(pattern.data()) == nullptr) {
      reason_ = "mkdtemp failed";
      return;
    }
    dir_ = pattern;
    if (::geteuid() == 0 && std::system(("chown nobody " + dir_.string()).c_str()) != 0) {
      reason_ = "cannot give " + dir_.string() + " to user nobody";
      return;
    }
    const std::string data = (dir_ / "data").string();
    installed_ = true;
    // The server's log is written by the cluster's owner, initdb's by this process.
    const std::string log = (dir_ / "server.log").string();
    const std::string init_log = dir_.string() + ".initdb.log";
    if (!run(as_owner() + bin("initdb") + " -D " + data +
             " -A trust -U feedpop -E UTF8 --locale=C --no-sync >" + init_log + " 2>&1")) {
      reason_ = "initdb failed (see " + init_log + ")";
      return;
    }
    std::filesystem::remove(init_log);
    // fsync off: a test server's crash safety is not under test here.
    if (!run(as_owner() + bin("pg_ctl") + " -D " + data + " -l " + log + " -w -o \"-k " +
             dir_.string() + " -c listen_addresses='' -c fsync=off -c max_connections=200\"" +
             " start >/dev/null 2>&1")) {
      reason_ = "pg_ctl start failed (see " + log + ")";
      return;
    }
    started_ = true;
  }

  std::string bin(const std::string& name) const { return (bin_dir_ / name).string(); }
  static std::string as_owner() { return ::geteuid() == 0 ? "runuser -u nobody -- " : ""; }
  std::string psql() const {
    return bin("psql") + " \"host=" + dir_.string() + " user=feedpop dbname=postgres\"";
  }
  static bool run(const std::string& command) { return std::system(command.c_str()) == 0; }

  std::filesystem::path bin_dir_;
  std::filesystem::path dir_;
  std::string reason_;
  bool installed_ = false;
  bool started_ = false;
  int count_ = 0;
};

} // namespace feedpop::testing
