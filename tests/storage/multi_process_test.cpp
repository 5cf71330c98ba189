// Several processes share one database, as several feedpop nodes share PostgreSQL and as
// POP3 sessions and CLI commands share a SQLite file: two writer processes ingest the same
// batches (one ascending, one descending, so they meet in the middle) while four reader
// processes, two per user, snapshot, read and commit deletions, repeating some. Afterwards
// every entry was reported new by exactly one writer, no snapshot ever held a UIDL twice
// or a deletion its own process had committed, and each user's mailbox is every entry
// minus exactly the acknowledged deletions (repeats and the other process's overlap add
// no second mark). Both backends (MultiProcess/sqlite, MultiProcess/postgresql).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "storage/store.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

constexpr int batches = 30;
constexpr int batch_size = 10;
constexpr int readers = 4;
const std::vector<std::string> feeds = {"f", "g"};

std::string feed_of(int batch) {
  return feeds[static_cast<std::size_t>(batch) % feeds.size()];
}

std::vector<NewEntry> batch_entries(int batch) {
  std::vector<NewEntry> out;
  for (int i = 0; i < batch_size; ++i) {
    // Initialised, not assigned: GCC 12 -O3 reports a false -Wrestrict otherwise.
    std::string id = fmt::format("b{}-{}", batch, i);
    std::string message = fmt::format("Subject: {}\r\n\r\n{:m<{}}\r\n", id, "", 1000 + i * 100);
    out.push_back(
        NewEntry{std::move(id), std::string(1, 'h'), std::move(message), std::nullopt, true, {}});
  }
  return out;
}

// One line per write, shorter than PIPE_BUF, so lines of several processes never mix.
void report(int fd, const std::string& line) {
  const std::string text = line + "\n";
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    _exit(3);
  }
}

// N <feed> <identity> for each entry this writer stored first.
[[noreturn]] void writer(const BackendDatabase& db, int which, int out) {
  try {
    auto store = db.open(Role::writer);
    for (int step = 0; step < batches; ++step) {
      const int b = which == 0 ? step : batches - 1 - step;
      const auto entries = batch_entries(b);
      const auto fresh = store->insert_entries(feed_of(b), entries, FeedState{});
      for (std::size_t i = 0; i < fresh.size(); ++i) {
        if (fresh[i]) {
          report(out, fmt::format("N {} {}", feed_of(b), entries[i].identity));
        }
      }
    }
  } catch (const std::exception& e) {
    report(out, fmt::format("X writer {}: {}", which, e.what()));
    _exit(1);
  }
  _exit(0);
}

bool writers_done(int done_fd) {
  pollfd p{done_fd, POLLIN, 0};
  return poll(&p, 1, 0) > 0; // EOF (POLLHUP/POLLIN) once the parent closed its end
}

// D <user> <id> for each acknowledged deletion; X on any broken promise.
[[noreturn]] void reader(const BackendDatabase& db, int which, int out, int done_fd) {
  const std::string user = fmt::format("user{}", which % 2);
  try {
    auto store = db.open(Role::reader);
    std::set<EntryId> mine;
    int after_done = 0;
    for (int round = 0; after_done < 2; ++round) {
      after_done += writers_done(done_fd) ? 1 : 0;
      const auto box = store->snapshot(user, feeds);
      std::set<std::string> uidls;
      for (std::size_t i = 0; i < box.size(); ++i) {
        if (!uidls.insert(box[i].uidl).second) {
          report(out, "X duplicate UIDL " + box[i].uidl);
        }
        if (i > 0 && box[i].id <= box[i - 1].id) {
          report(out, "X snapshot out of arrival order");
        }
        if (mine.contains(box[i].id)) {
          report(out, fmt::format("X deleted entry {} came back", box[i].id));
        }
      }
      if (box.empty() || round % 2 != 0) {
        continue;
      }
      char buf[4096];
      std::uint64_t got = 0;
      for (std::size_t n; (n = store->read_at(box.back().id, got, buf, sizeof buf)) > 0;) {
        got += n;
      }
      if (got != box.back().size) {
        report(out, "X size mismatch");
      }
      // Two visible entries (the other process of this user may pick the same ones) and,
      // as a repeat, one this process deleted before.
      std::vector<EntryId> doomed = {box[static_cast<std::size_t>(round) % box.size()].id,
                                     box[static_cast<std::size_t>(round * 7 + 3) % box.size()].id};
      if (!mine.empty()) {
        doomed.push_back(*mine.begin());
      }
      store->commit_deletions(user, doomed);
      for (const EntryId id : doomed) {
        if (mine.insert(id).second) {
          report(out, fmt::format("D {} {}", user, id));
        }
      }
    }
  } catch (const std::exception& e) {
    report(out, fmt::format("X reader {}: {}", which, e.what()));
    _exit(1);
  }
  _exit(0);
}

class MultiProcess : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
};

TEST_P(MultiProcess, WritersAndReadersInSeveralProcessesAgreeOnEveryEntryAndDeletion) {
  if (!db.usable()) {
    return;
  }
  db.open(Role::writer); // create the schema once, before any child starts
  int reports[2], done[2];
  ASSERT_EQ(pipe(reports), 0);
  ASSERT_EQ(pipe(done), 0);
  std::vector<pid_t> writer_pids, reader_pids;
  for (int i = 0; i < 2 + readers; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(reports[0]);
      close(done[1]);
      if (i < 2) {
        writer(db, i, reports[1]);
      }
      reader(db, i - 2, reports[1], done[0]);
    }
    (i < 2 ? writer_pids : reader_pids).push_back(pid);
  }
  close(reports[1]);
  close(done[0]);
  std::string lines;
  std::thread drain([&] {
    char buf[4096];
    for (ssize_t n; (n = read(reports[0], buf, sizeof buf)) > 0;) {
      lines.append(buf, static_cast<std::size_t>(n));
    }
  });
  auto exited_cleanly = [](pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  };
  int failed = 0;
  for (const pid_t pid : writer_pids) {
    failed += exited_cleanly(pid) ? 0 : 1;
  }
  close(done[1]); // the readers finish their last rounds
  for (const pid_t pid : reader_pids) {
    failed += exited_cleanly(pid) ? 0 : 1;
  }
  drain.join();
  close(reports[0]);

  std::map<std::string, int> fresh;              // feed/identity → writers that stored it
  std::map<std::string, std::set<EntryId>> gone; // user → acknowledged deletions
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    ASSERT_NE(line[0], 'X') << line;
    std::istringstream fields(line.substr(2));
    std::string a, b;
    fields >> a >> b;
    if (line[0] == 'N') {
      ++fresh[a + "/" + b];
    } else {
      gone[a].insert(std::stoll(b));
    }
  }
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(fresh.size(), static_cast<std::size_t>(batches * batch_size));
  for (const auto& [entry, writers] : fresh) {
    EXPECT_EQ(writers, 1) << entry << " was new to " << writers << " writers";
  }
  auto store = db.open(Role::reader);
  for (const std::string user : {"user0", "user1"}) {
    ASSERT_FALSE(gone[user].empty()) << user << " deleted nothing";
    const auto box = store->snapshot(user, feeds);
    EXPECT_EQ(box.size(), static_cast<std::size_t>(batches * batch_size) - gone[user].size());
    std::set<std::string> uidls;
    for (const auto& item : box) {
      EXPECT_FALSE(gone[user].contains(item.id)) << user << " sees deleted " << item.id;
      EXPECT_TRUE(uidls.insert(item.uidl).second) << "duplicate UIDL " << item.uidl;
    }
    EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM deletions d JOIN users u ON u.id = d.user_id "
                        "WHERE u.name = '" +
                        user + "'"),
              static_cast<std::int64_t>(gone[user].size()));
  }
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM entries"), batches * batch_size);
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiProcess,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
