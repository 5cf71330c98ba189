#pragma once
// A process's connections to one PostgreSQL database: a bounded pool shared by every
// PgStore opened on the same connection string (POP3 sessions, the fetcher, the web status
// page, digests), so a node holds at most storage.postgresql.pool_size connections however
// many sessions it serves, and sessions on several threads run their statements at once.
//
// A Store borrows a connection for one statement, or for one transaction (BEGIN to COMMIT
// or ROLLBACK), never between calls. A connection found broken (server restart,
// pg_terminate_backend) is closed instead of returned, and so are the idle ones (a restart
// breaks them all); the next borrower opens a fresh one.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "storage/pg_conn.hpp"

namespace feedpop::storage::pg {

class Pool {
public:
  // The process's pool for `url`, made on first use (its first connection migrates the
  // schema: pg_migrate). `size` becomes its bound. A forked child never uses its parent's
  // pools (their connections are the parent's server sessions).
  static std::shared_ptr<Pool> shared(const std::string& url, std::size_t size);

  Pool(std::string url, std::size_t size);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // An idle connection (the most recently used), else a new one while fewer than size are
  // open, else the next one returned, waiting at most `wait` (then StoreError).
  std::unique_ptr<Connection> acquire(std::chrono::milliseconds wait);
  // Back to the idle list; closed instead when broken, or beyond a lowered size.
  void release(std::unique_ptr<Connection> connection);
  // Closes every idle connection (one was found broken: the others likely are too).
  void discard_idle();
  void resize(std::size_t size);

  std::size_t size() const;
  std::size_t open() const; // idle and in use

private:
  const std::string url_;
  mutable std::mutex mutex_;
  std::condition_variable returned_;
  std::size_t size_;
  std::size_t open_ = 0;
  std::vector<std::unique_ptr<Connection>> idle_;
};

// One Store's use of the pool. Statements outside a transaction borrow a connection each;
// BEGIN keeps it until COMMIT or ROLLBACK. When the connection turns out to be lost, a
// statement that cannot have written anything — a SELECT or the BEGIN of a transaction,
// run outside a transaction — is run once more on a fresh connection; any other statement
// throws ConnectionLost (its outcome is unknown) and the next call gets a fresh connection.
// Used by one thread at a time, like its Store.
class Session final : public Executor {
public:
  Session(std::shared_ptr<Pool> pool, std::chrono::milliseconds wait);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Result exec(const std::string& sql, const std::vector<Param>& params = {},
              bool binary_result = false) override;
  Result exec(const Statement& statement, const std::vector<Param>& params = {},
              bool binary_result = false) override;
  void rollback() noexcept override;

private:
  template <class Run> Result run(std::string_view sql, const Run& statement);
  void give_back(std::unique_ptr<Connection> connection);

  std::shared_ptr<Pool> pool_;
  std::chrono::milliseconds wait_;
  std::unique_ptr<Connection> held_; // inside a transaction only
};

} // namespace feedpop::storage::pg
