// Crash consistency: a child process ingests batches and commits deletions, reporting each
// acknowledged call through a pipe after it returned; the parent SIGKILLs it at a random
// moment, 50 times. After every kill the database passes integrity_check, holds no
// duplicate entry, holds every acknowledged batch and deletion, and holds no partial or
// unacknowledged work beyond the single call that was in flight. Both backends
// (CrashConsistency/sqlite, CrashConsistency/postgresql). On PostgreSQL every other kill
// waits until the child's server session holds an open transaction that has written
// (pg_stat_activity.backend_xid), so the kill surely lands mid-transaction; the server
// must then roll that transaction back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

// The children's sessions, told apart from the test's own in pg_stat_activity.
constexpr const char* child_application = "crash_child";

constexpr int batch_size = 20;
const std::vector<std::string> feeds = {"f0", "f1", "f2"};

std::string feed_of(int batch) {
  return feeds[static_cast<std::size_t>(batch) % feeds.size()];
}
std::string identity(int batch, int i) {
  return fmt::format("b{}-{}", batch, i);
}

void report(int fd, const std::string& line) {
  const std::string text = line + "\n";
  // A short write to a pipe of < PIPE_BUF bytes does not happen; an error ends the child.
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    _exit(3);
  }
}

std::vector<NewEntry> batch_entries(int batch) {
  std::vector<NewEntry> out;
  for (int i = 0; i < batch_size; ++i) {
    // Initialised, not assigned: GCC 12 -O3 reports a false -Wrestrict on assigning a
    // literal to a std::string member here.
    std::string id = identity(batch, i);
    std::string message = fmt::format("Subject: {}\r\n\r\n{:c<{}}\r\n", id, "", 500 + i * 50);
    out.push_back(
        NewEntry{std::move(id), std::string(1, 'h'), std::move(message), std::nullopt, true, {}});
  }
  return out;
}

// Runs until killed: I<n> after batch n is stored, D<n> after its even entries are deleted.
[[noreturn]] void child(const BackendDatabase& db, int first, int fd) {
  try {
    auto store = db.backend() == Backend::sqlite
                     ? db.open(Role::writer)
                     : open_postgresql_store(db.url() + " application_name=" + child_application,
                                             Role::writer);
    report(fd, "R");
    if (first > 0) {
      // Re-ingesting what is already stored must add nothing.
      for (bool fresh : store->insert_entries(feed_of(first - 1), batch_entries(first - 1), {})) {
        if (fresh) {
          report(fd, fmt::format("X re-ingest of batch {} was new", first - 1));
        }
      }
    }
    for (int b = first;; ++b) {
      for (bool fresh : store->insert_entries(feed_of(b), batch_entries(b), {})) {
        if (!fresh) {
          report(fd, fmt::format("X batch {} was not new", b));
        }
      }
      report(fd, fmt::format("I{}", b));
      std::vector<EntryId> doomed;
      for (const auto& item : store->snapshot("u", feeds)) {
        for (int i = 0; i < batch_size; i += 2) {
          if (item.uidl == derive_uidl(feed_of(b), identity(b, i))) {
            doomed.push_back(item.id);
          }
        }
      }
      store->commit_deletions("u", doomed);
      report(fd, fmt::format("D{}", b));
    }
  } catch (const std::exception& e) {
    report(fd, std::string("X ") + e.what());
  }
  _exit(1);
}

struct Observed {
  std::map<int, int> entries;   // batch → entries stored
  std::map<int, int> deletions; // batch → deletion marks of user u
};

int batch_of(const std::string& id) {
  return std::stoi(id.substr(1, id.find('-') - 1));
}

Observed inspect(const BackendDatabase& db) {
  if (db.backend() == Backend::sqlite) {
    sqlite::Database raw(db.sqlite_path());
    sqlite::Statement check(raw, "PRAGMA integrity_check");
    EXPECT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
    // Every entry has all its bytes: its chunk rows (message_chunks.hpp) add up to its size.
    EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM entries e WHERE e.size != (SELECT "
                             "COALESCE(SUM(length(c.bytes)), -1) FROM message_chunks c WHERE "
                             "c.id >= e.id * 1048576 AND c.id < (e.id + 1) * 1048576)"),
              0);
  } else {
    // Every delivered entry has its message, whole.
    EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM entries e LEFT JOIN messages m ON m.entry_id = "
                        "e.id WHERE e.state = 1 AND COALESCE(length(m.bytes), -1) != e.size"),
              0);
  }
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM (SELECT 1 FROM entries GROUP BY feed_id, "
                      "identity HAVING COUNT(*) > 1) AS twice"),
            0);
  Observed seen;
  for (const std::string& id : db.column("SELECT identity FROM entries")) {
    ++seen.entries[batch_of(id)];
  }
  for (const std::string& id :
       db.column("SELECT e.identity FROM deletions d JOIN entries e ON e.id = d.entry_id JOIN "
                 "users u ON u.id = d.user_id WHERE u.name = 'u'")) {
    ++seen.deletions[batch_of(id)];
  }
  return seen;
}

// PostgreSQL: waits (up to 5 s) until a child's session is inside a transaction that has
// written something (it has a transaction id). False when that was never seen.
bool await_open_write_transaction(const BackendDatabase& db) {
  pg::Connection raw(db.url());
  const std::string sql = std::string("SELECT COUNT(*) FROM pg_stat_activity WHERE "
                                      "application_name = '") +
                          child_application + "' AND backend_xid IS NOT NULL";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (raw.exec(sql).int64(0, 0) > 0) {
      return true;
    }
  }
  return false;
}

// PostgreSQL: waits until the server has ended the killed child's session (rolled back
// its transaction, released its locks), as a crashed node's sessions end, before the
// database is inspected.
void await_session_end(const BackendDatabase& db) {
  pg::Connection raw(db.url());
  const std::string sql =
      std::string("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '") +
      child_application + "'";
  for (int i = 0; i < 5000 && raw.exec(sql).int64(0, 0) > 0; ++i) {
    usleep(1000);
  }
  EXPECT_EQ(raw.exec(sql).int64(0, 0), 0) << "the killed child's session did not end";
}

class CrashConsistency : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
};

TEST_P(CrashConsistency, SigkillAtRandomMomentsLosesNothingAcknowledgedAndKeepsNothingPartial) {
  if (!db.usable()) {
    return;
  }
  const bool postgresql = GetParam() == Backend::postgresql;
  db.open(Role::writer); // create once; the children only migrate-check
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE(fmt::format("seed {}", seed));
  std::mt19937 rng(seed);
  // Kill after a random number of acknowledged calls plus a random delay, so the kill lands
  // anywhere: before the first call, inside a transaction, between commit and report.
  std::uniform_int_distribution<int> calls_before(0, 3);
  std::uniform_int_distribution<int> delay_us(0, 25'000);

  std::set<int> batches, deleted; // committed, acknowledged or observed
  int next = 0, acknowledged = 0;
  int mid_transaction_kills = 0, rolled_back = 0; // PostgreSQL
  for (int round = 0; round < 50; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child(db, next, fds[1]);
    }
    close(fds[1]);
    std::string acks;
    char buf[4096];
    const auto wanted = static_cast<std::size_t>(1 + calls_before(rng)); // "R" + acks
    for (ssize_t n; std::count(acks.begin(), acks.end(), '\n') < static_cast<long>(wanted) &&
                    (n = read(fds[0], buf, sizeof buf)) > 0;) {
      acks.append(buf, static_cast<std::size_t>(n));
    }
    const bool mid_transaction = postgresql && round % 2 == 1 && await_open_write_transaction(db);
    if (!mid_transaction) {
      usleep(static_cast<useconds_t>(delay_us(rng)));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (postgresql) {
      await_session_end(db);
    }
    mid_transaction_kills += mid_transaction ? 1 : 0;
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) {
      acks.append(buf, static_cast<std::size_t>(n));
    }
    close(fds[0]);

    std::set<int> acked_i, acked_d;
    for (std::size_t pos = 0; pos < acks.size();) {
      const std::size_t end = acks.find('\n', pos);
      const std::string line = acks.substr(pos, end - pos);
      pos = end == std::string::npos ? acks.size() : end + 1;
      ASSERT_NE(line[0], 'X') << line;
      if (line == "R") {
        continue;
      }
      (line[0] == 'I' ? acked_i : acked_d).insert(std::stoi(line.substr(1)));
    }
    acknowledged += static_cast<int>(acked_i.size() + acked_d.size());
    // The one call possibly in flight when the kill came: the next insert, or the
    // deletions of the last acknowledged batch.
    const int in_flight_insert = acked_i.empty() ? next : *acked_i.rbegin() + 1;
    const std::optional<int> in_flight_delete =
        !acked_i.empty() && !acked_d.contains(*acked_i.rbegin())
            ? std::optional<int>(*acked_i.rbegin())
            : std::nullopt;

    const Observed seen = inspect(db);
    if (mid_transaction && !seen.entries.contains(in_flight_insert) &&
        (!in_flight_delete || !seen.deletions.contains(*in_flight_delete))) {
      ++rolled_back; // the kill's transaction left nothing behind
    }
    batches.insert(acked_i.begin(), acked_i.end());
    deleted.insert(acked_d.begin(), acked_d.end());
    for (int b : batches) {
      EXPECT_EQ(seen.entries.count(b) ? seen.entries.at(b) : 0, batch_size) << "batch " << b;
    }
    for (int b : deleted) {
      EXPECT_EQ(seen.deletions.count(b) ? seen.deletions.at(b) : 0, batch_size / 2) << b;
    }
    for (const auto& [b, n] : seen.entries) {
      if (!batches.contains(b)) {
        EXPECT_EQ(b, in_flight_insert) << "unacknowledged batch stored";
        EXPECT_EQ(n, batch_size) << "partial batch " << b;
        batches.insert(b);
      }
    }
    for (const auto& [b, n] : seen.deletions) {
      if (!deleted.contains(b)) {
        EXPECT_EQ(std::optional<int>(b), in_flight_delete) << "unacknowledged deletions";
        EXPECT_EQ(n, batch_size / 2) << "partial deletions of batch " << b;
        deleted.insert(b);
      }
    }
    next = batches.empty() ? 0 : *batches.rbegin() + 1;
    // A batch stored without its deletions (killed in between) gets none later: the
    // next child starts after it; that is fine, the check above already ran.
    if (::testing::Test::HasFailure()) {
      break;
    }
  }
  // The kills must have hit a working child, not only its start-up.
  EXPECT_GT(acknowledged, 50);
  if (postgresql) {
    // Most of the deliberate kills found a transaction to roll back.
    EXPECT_GE(mid_transaction_kills, 20);
    EXPECT_GE(rolled_back, 10);
    std::cout << "kills inside a writing transaction: " << mid_transaction_kills
              << ", of which left nothing behind: " << rolled_back << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CrashConsistency,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
