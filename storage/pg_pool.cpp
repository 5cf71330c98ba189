#include "storage/pg_pool.hpp"

#include <unistd.h>

#include <map>
#include <string_view>

#include "storage/pg_store.hpp"

namespace feedpop::storage::pg {

namespace {

constexpr int pg_error_code = 1; // as pg_conn.cpp: SQLSTATEs go into the message

// What a lost connection cannot have carried out: a read, or the BEGIN of a transaction
// (whatever the server did of it ended with the connection), with or without options
// ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY": a mailbox snapshot).
bool cannot_have_written(std::string_view sql) {
  return sql.starts_with("SELECT ") || sql == "BEGIN" || sql.starts_with("BEGIN ");
}

} // namespace

std::shared_ptr<Pool> Pool::shared(const std::string& url, std::size_t size) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<Pool>> pools;
  static pid_t owner = 0;
  std::lock_guard lock(mutex);
  if (owner != ::getpid()) {
    pools.clear(); // the parent's: a pool lives on in the child only in its parent's Stores
    owner = ::getpid();
  }
  if (auto pool = pools[url].lock()) {
    pool->resize(size);
    return pool;
  }
  // Made under the lock: Stores opened at once on several threads share one pool, and
  // the schema is checked once per pool instead of once per Store.
  auto pool = std::make_shared<Pool>(url, size);
  auto first = pool->acquire(std::chrono::milliseconds(0));
  pg_migrate(*first);
  pool->release(std::move(first));
  pools[url] = pool;
  return pool;
}

Pool::Pool(std::string url, std::size_t size)
    : url_(std::move(url)), size_(std::max<std::size_t>(size, 1)) {}

std::unique_ptr<Connection> Pool::acquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (idle_.empty() && open_ >= size_) {
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      throw StoreError("postgresql: all " + std::to_string(size_) +
                           " connections of the pool (storage.postgresql.pool_size) stayed "
                           "busy for " +
                           std::to_string(wait.count()) + " ms",
                       pg_error_code);
    }
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return connection;
  }
  ++open_; // the slot is taken while connecting, outside the lock
  lock.unlock();
  try {
    return std::make_unique<Connection>(url_);
  } catch (...) {
    lock.lock();
    --open_;
    returned_.notify_one();
    throw;
  }
}

void Pool::release(std::unique_ptr<Connection> connection) {
  if (!connection) {
    return;
  }
  std::unique_lock lock(mutex_);
  if (connection->broken() || connection->in_transaction() || open_ > size_) {
    --open_;
    lock.unlock();
    returned_.notify_one();
    connection.reset(); // closed outside the lock
    return;
  }
  idle_.push_back(std::move(connection));
  lock.unlock();
  returned_.notify_one();
}

void Pool::discard_idle() {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    closing.swap(idle_);
    open_ -= closing.size();
  }
  returned_.notify_all();
}

void Pool::resize(std::size_t size) {
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mutex_);
    size_ = std::max<std::size_t>(size, 1);
    while (open_ > size_ && !idle_.empty()) {
      closing.push_back(std::move(idle_.back()));
      idle_.pop_back();
      --open_;
    }
  }
  returned_.notify_all(); // a larger pool lets waiters open connections
}

std::size_t Pool::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

std::size_t Pool::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

Session::Session(std::shared_ptr<Pool> pool, std::chrono::milliseconds wait)
    : pool_(std::move(pool)), wait_(wait) {}

Session::~Session() {
  rollback();
}

void Session::give_back(std::unique_ptr<Connection> connection) {
  const bool lost = connection->broken();
  pool_->release(std::move(connection));
  if (lost) {
    pool_->discard_idle();
  }
}

template <class Run> Result Session::run(std::string_view sql, const Run& statement) {
  if (held_) { // inside a transaction: its connection, whatever happens
    try {
      Result r = statement(*held_);
      if (!held_->in_transaction()) {
        give_back(std::move(held_)); // COMMIT or ROLLBACK ended it
      }
      return r;
    } catch (const StoreError&) {
      if (held_->broken()) {
        give_back(std::move(held_)); // the server rolled the transaction back
      }
      throw;
    }
  }
  for (int attempt = 0;; ++attempt) {
    auto connection = pool_->acquire(wait_);
    try {
      Result r = statement(*connection);
      if (connection->in_transaction()) {
        held_ = std::move(connection); // BEGIN: kept until the transaction ends
      } else {
        pool_->release(std::move(connection));
      }
      return r;
    } catch (const ConnectionLost&) {
      give_back(std::move(connection));
      if (attempt > 0 || !cannot_have_written(sql)) {
        throw;
      }
    } catch (...) {
      give_back(std::move(connection));
      throw;
    }
  }
}

Result Session::exec(const std::string& sql, const std::vector<Param>& params, bool binary_result) {
  return run(sql, [&](Connection& c) { return c.exec(sql, params, binary_result); });
}

Result Session::exec(const Statement& statement, const std::vector<Param>& params,
                     bool binary_result) {
  return run(statement.sql,
             [&](Connection& c) { return c.exec(statement, params, binary_result); });
}

void Session::rollback() noexcept {
  if (held_) {
    held_->rollback();
    give_back(std::move(held_));
  }
}

} // namespace feedpop::storage::pg
