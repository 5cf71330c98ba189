// The PostgreSQL connection pool (storage/pg_pool.hpp) on a real server: Stores of one
// process share at most pool_size connections, calls on several threads run at once, a
// full pool makes a call wait and then fail clearly, and connections the server dropped
// (pg_terminate_backend, as a restart does) are replaced: reads and transactions carry on,
// a lone write fails once with StoreError. Hot statements are prepared once per connection.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "storage/pg_conn.hpp"
#include "storage/pg_pool.hpp"
#include "storage/store.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using namespace std::chrono_literals;
using testing::Backend;
using testing::BackendDatabase;

// The pool's sessions, told apart from the test's own in pg_stat_activity.
constexpr const char* application = "pool_test";
// pg_store.cpp's ingest lock: held here, it stops insert_entries on a pooled connection.
constexpr const char* ingest_lock = "SELECT pg_advisory_xact_lock(7265656471)";

NewEntry entry(const std::string& identity) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = "h-" + identity;
  e.message = "Subject: " + identity + "\r\n\r\n" + std::string(3000, 'x') + "\r\n";
  return e;
}

class PgPool : public ::testing::Test {
protected:
  BackendDatabase db{Backend::postgresql};
  std::string url;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    url = db.url() + " application_name=" + application;
  }
  std::unique_ptr<Store> open(std::size_t pool_size, std::chrono::milliseconds wait = 30s) const {
    StoreOptions options;
    options.pool_size = pool_size;
    options.busy_timeout = wait;
    return open_postgresql_store(url, Role::writer, std::move(options));
  }
  std::int64_t backends() const {
    return db.scalar(std::string("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND application_name = '") +
                     application + "'");
  }
  // Ends every pooled server session, waiting until each is gone; returns how many.
  std::int64_t terminate() const {
    return db.scalar(std::string("SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 5000) "
                                 "FROM pg_stat_activity WHERE datname = current_database() AND "
                                 "application_name = '") +
                     application + "') AS ended");
  }
  // Waits until a pooled session waits for a lock (the ingest lock held by the test).
  bool pooled_session_waits_for_lock() const {
    for (int i = 0; i < 1000; ++i) {
      if (db.scalar(std::string("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                                "current_database() AND wait_event_type = 'Lock' AND "
                                "application_name = '") +
                    application + "'") > 0) {
        return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

TEST_F(PgPool, StoresOnManyThreadsShareAtMostPoolSizeConnections) {
  auto writer = open(3);
  std::vector<NewEntry> entries;
  for (int i = 0; i < 20; ++i) {
    entries.push_back(entry("e" + std::to_string(i)));
  }
  writer->insert_entries("f", entries, FeedState{});

  std::atomic<bool> running{true};
  std::atomic<std::int64_t> most{0};
  std::thread sampler([&] {
    while (running) {
      most = std::max(most.load(), backends());
      std::this_thread::sleep_for(5ms);
    }
  });
  std::atomic<int> errors{0};
  std::atomic<int> calls{0};
  std::vector<std::thread> sessions;
  for (int t = 0; t < 12; ++t) {
    sessions.emplace_back([&, t] {
      try {
        for (int round = 0; round < 20; ++round) {
          auto store = open(3); // a POP3 session's Store: no connection of its own
          const std::string user = "user" + std::to_string(t);
          const auto box = store->snapshot(user, {"f"});
          char buf[4096];
          for (std::size_t i = 0; i < 3 && i < box.size(); ++i) {
            if (store->read_at(box[i].id, 0, buf, sizeof buf) != box[i].size) {
              ++errors;
            }
          }
          store->commit_deletions(user, {box.back().id});
          calls += 5;
        }
      } catch (const std::exception&) {
        ++errors;
      }
    });
  }
  for (auto& s : sessions) {
    s.join();
  }
  running = false;
  sampler.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(calls.load(), 12 * 20 * 5);
  EXPECT_GE(most.load(), 1);
  EXPECT_LE(most.load(), 3);
  EXPECT_LE(backends(), 3);
  EXPECT_LE(pg::Pool::shared(url, 3)->open(), 3u);
  // Each round deleted the last message the user still saw: 20 each, all of them.
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deletions"), 12 * 20);
}

TEST_F(PgPool, ACallOnAnotherThreadRunsWhileOneWaitsOnTheServer) {
  auto ingest = open(2, 2s);
  auto reader = open(2, 2s);
  ingest->insert_entries("f", {entry("a")}, FeedState{});
  pg::Connection holder(db.url());
  pg::Transaction hold(holder);
  holder.exec(ingest_lock);
  std::atomic<bool> stored{false};
  std::thread blocked([&] {
    ingest->insert_entries("f", {entry("b")}, FeedState{}); // waits for the lock
    stored = true;
  });
  ASSERT_TRUE(pooled_session_waits_for_lock());
  // The waiting ingest holds one connection; the reader gets the other at once (with one
  // connection shared by both, it would wait 2 s and throw).
  EXPECT_EQ(reader->snapshot("u", {"f"}).size(), 1u);
  EXPECT_FALSE(stored);
  hold.commit();
  blocked.join();
  EXPECT_TRUE(stored);
  EXPECT_EQ(reader->snapshot("u", {"f"}).size(), 2u);
}

TEST_F(PgPool, AFullPoolMakesACallWaitThenFailClearly) {
  auto ingest = open(1, 300ms);
  auto reader = open(1, 300ms);
  ingest->insert_entries("f", {entry("a")}, FeedState{});
  pg::Connection holder(db.url());
  auto hold = std::make_unique<pg::Transaction>(holder);
  holder.exec(ingest_lock);
  std::thread blocked([&] { ingest->insert_entries("f", {entry("b")}, FeedState{}); });
  ASSERT_TRUE(pooled_session_waits_for_lock());
  const auto started = std::chrono::steady_clock::now();
  try {
    reader->snapshot("u", {"f"});
    ADD_FAILURE() << "a second connection was opened beyond pool_size 1";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("pool_size"), std::string::npos) << e.what();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  }
  EXPECT_EQ(backends(), 1);
  hold->commit();
  blocked.join();
  EXPECT_EQ(reader->snapshot("u", {"f"}).size(), 2u); // the connection is free again
}

TEST_F(PgPool, ReadsAndTransactionsCarryOnAfterTheServerDropsTheConnections) {
  auto store = open(2);
  store->insert_entries("f", {entry("a"), entry("b")}, FeedState{});
  const auto box = store->snapshot("u", {"f"});
  ASSERT_EQ(box.size(), 2u);

  ASSERT_GE(terminate(), 1);
  EXPECT_EQ(store->snapshot("u", {"f"}).size(), 2u); // read again on a fresh connection
  char buf[64];
  ASSERT_GE(terminate(), 1);
  EXPECT_EQ(store->read_at(box[0].id, 0, buf, 9), 9u);
  EXPECT_EQ(std::string(buf, 9), "Subject: ");

  ASSERT_GE(terminate(), 1);
  store->commit_deletions("u", {box[0].id}); // its BEGIN is what met the dropped connection
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deletions"), 1);

  ASSERT_GE(terminate(), 1);
  EXPECT_EQ(store->insert_entries("f", {entry("c")}, FeedState{}), std::vector<bool>{true});
  EXPECT_EQ(store->snapshot("u", {"f"}).size(), 2u);
  EXPECT_LE(backends(), 2);
}

TEST_F(PgPool, AWriteOutsideATransactionFailsOnceWhenTheConnectionWasDropped) {
  auto store = open(2);
  FeedState state;
  state.key = "f";
  state.url = state.config_url = "https://example.org/f";
  store->save_feed_state(state);
  ASSERT_GE(terminate(), 1);
  // Whether the server carried out a lone write before the connection broke is unknown,
  // so it is not repeated: the caller hears of it.
  state.consecutive_failures = 3;
  try {
    store->save_feed_state(state);
    ADD_FAILURE() << "a write on a dropped connection reported success";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("connection lost"), std::string::npos) << e.what();
  }
  store->save_feed_state(state); // the next call has a fresh connection
  ASSERT_TRUE(store->feed_state("f"));
  EXPECT_EQ(store->feed_state("f")->consecutive_failures, 3);
}

TEST_F(PgPool, HotStatementsArePreparedOncePerPooledConnection) {
  auto store = open(1);
  for (int batch = 0; batch < 3; ++batch) {
    store->insert_entries("f", {entry("a" + std::to_string(batch))}, FeedState{});
  }
  const auto box = store->snapshot("u", {"f"});
  char buf[64];
  store->read_at(box[0].id, 0, buf, sizeof buf);
  store->commit_deletions("u", {box[0].id});
  store->feed_state("f");
  // The one connection of the pool: what was prepared on it, once each.
  auto pool = pg::Pool::shared(url, 1);
  auto connection = pool->acquire(1s);
  std::vector<std::string> names;
  const auto rows =
      connection->exec("SELECT name FROM pg_prepared_statements ORDER BY name COLLATE \"C\"");
  for (int i = 0; i < rows.rows(); ++i) {
    names.push_back(rows.text(i, 0));
  }
  pool->release(std::move(connection));
  for (const char* hot : {"add_deletions", "add_user", "feed_id", "ingest_lock", "insert_entry",
                          "insert_message", "read_range", "select_feed", "upsert_feed"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), hot), 1) << hot;
  }
}

TEST_F(PgPool, AConnectionPreparesItsStatementsAgainAfterAReconnect) {
  const pg::Statement answer{"pool_test_answer", "SELECT $1::int + 1"};
  pg::Connection c(url);
  EXPECT_EQ(c.exec(answer, {std::int64_t{41}}).int64(0, 0), 42);
  EXPECT_EQ(c.exec(answer, {std::int64_t{1}}).int64(0, 0), 2);
  ASSERT_EQ(terminate(), 1);
  EXPECT_THROW(c.exec(answer, {std::int64_t{1}}), pg::ConnectionLost);
  EXPECT_TRUE(c.broken());
  // Outside a transaction the next statement reconnects, and prepares again.
  EXPECT_EQ(c.exec(answer, {std::int64_t{2}}).int64(0, 0), 3);
  EXPECT_EQ(c.exec("SELECT COUNT(*) FROM pg_prepared_statements").int64(0, 0), 1);
}

} // namespace
} // namespace feedpop::storage
