// One writer ingesting while 100 POP3-like readers snapshot, stream messages and commit
// deletions, each with its own Store (SQLite: its own connection; PostgreSQL: the process's
// pool of connections, pg_pool_test.cpp): no StoreError (SQLITE_BUSY or other) reaches
// any caller, and every reader sees a consistent, growing mailbox. Then the same across
// processes (multi_process_test.cpp). Both backends (…/sqlite, …/postgresql).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "storage/store.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

class Concurrency : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
};

TEST_P(Concurrency, AWriterAndAHundredReadersNeverSeeBusy) {
  if (!db.usable()) {
    return;
  }
  auto writer = db.open(Role::writer);
  auto make = [](int batch, int i) {
    // Initialised, not assigned: GCC 12 -O3 reports a false -Wrestrict on assigning a
    // literal to a std::string member here.
    std::string id = fmt::format("{}-{}", batch, i);
    std::string message = fmt::format("Subject: {}\r\n\r\n{:b<{}}\r\n", id, "", 2000 + i * 10);
    return NewEntry{std::move(id), std::string(1, 'h'), std::move(message), std::nullopt, true, {}};
  };
  writer->insert_entries("f", {make(0, 0), make(0, 1)}, FeedState{});

  std::atomic<bool> writing{true};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  auto record = [&](const std::string& what) {
    std::lock_guard lock(errors_mutex);
    errors.push_back(what);
  };

  std::thread ingest([&] {
    try {
      for (int batch = 1; batch <= 40; ++batch) {
        std::vector<NewEntry> entries;
        for (int i = 0; i < 10; ++i) {
          entries.push_back(make(batch, i));
        }
        writer->insert_entries(batch % 2 ? "f" : "g", entries, FeedState{});
      }
    } catch (const std::exception& e) {
      record(std::string("writer: ") + e.what());
    }
    writing = false;
  });

  std::vector<std::thread> readers;
  std::atomic<int> snapshots{0};
  for (int r = 0; r < 100; ++r) {
    readers.emplace_back([&, r] {
      try {
        auto store = db.open(Role::reader);
        const std::string user = fmt::format("user{}", r % 10);
        int rounds = 0;
        while (writing || rounds < 2) {
          const auto box = store->snapshot(user, {"f", "g"});
          ++snapshots;
          for (std::size_t i = 0; i < box.size() && i < 3; ++i) {
            std::uint64_t streamed = 0;
            char buf[1024];
            for (std::size_t n;
                 (n = store->read_at(box[box.size() - 1 - i].id, streamed, buf, sizeof buf)) > 0;) {
              streamed += n;
            }
            if (streamed != box[box.size() - 1 - i].size) {
              record("size mismatch");
            }
          }
          if (rounds % 3 == 0 && !box.empty()) {
            store->commit_deletions(user, {box[static_cast<std::size_t>(r) % box.size()].id});
          }
          ++rounds;
        }
      } catch (const std::exception& e) {
        record(std::string("reader: ") + e.what());
      }
    });
  }
  ingest.join();
  for (auto& t : readers) {
    t.join();
  }
  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  EXPECT_GE(snapshots.load(), 200);
  EXPECT_EQ(writer->snapshot("nobody", {"f", "g"}).size(), 402u);
}

INSTANTIATE_TEST_SUITE_P(Backends, Concurrency,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
