// POP3 logins on PostgreSQL through a node's MailboxCache while feeds keep changing, without
// and with a long transaction elsewhere on the server (one that holds an xid, as a slow
// report or a stuck session would): what each login reloads (feeds, entry rows) and costs.
//
//   build/release/bench/pg_login_bench URL [feeds] [entries per feed] [logins]
//
// URL: a new database, e.g. `bench/pg_server.sh createdb DIR`. One user subscribed to every
// feed; before each login one feed gets one new entry (a different feed each time).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "storage/mailbox_cache.hpp"
#include "storage/pg_conn.hpp"
#include "storage/pg_store.hpp"
#include "storage/store.hpp"

namespace {

using namespace feedpop::storage;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

NewEntry entry(const std::string& identity) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = std::string(64, 'f');
  e.message = fmt::format("Subject: {}\r\n\r\n{:x<400}\r\n", identity, "");
  return e;
}

struct Phase {
  double wall_ms = 0; // medians per login
  double cpu_ms = 0;
  double feeds = 0; // means per login
  double rows = 0;
};

Phase logins(Store& writer, Store& reader, const std::vector<std::string>& keys, int count,
             int& serial) {
  std::vector<double> wall, cpu;
  const PgMailboxReads before = pg_mailbox_reads();
  for (int i = 0; i < count; ++i) {
    const std::string& key = keys[static_cast<std::size_t>(serial * 7919) % keys.size()];
    writer.insert_entries(key, {entry(fmt::format("{}-login{}", key, serial++))}, FeedState{});
    const double c0 = thread_cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    const auto box = reader.listing("alice", keys);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    cpu.push_back(thread_cpu_ms() - c0);
    if (box.ids.empty()) {
      std::fprintf(stderr, "empty mailbox\n");
    }
  }
  const PgMailboxReads after = pg_mailbox_reads();
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return Phase{wall[wall.size() / 2], cpu[cpu.size() / 2],
               static_cast<double>(after.loaded_feeds - before.loaded_feeds) / count,
               static_cast<double>(after.loaded_rows - before.loaded_rows) / count};
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s URL [feeds] [entries per feed] [logins]\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1];
  const int feeds = argc > 2 ? std::stoi(argv[2]) : 2000;
  const int per_feed = argc > 3 ? std::stoi(argv[3]) : 5;
  const int count = argc > 4 ? std::stoi(argv[4]) : 200;

  auto writer = open_postgresql_store(url, Role::writer, {});
  std::vector<std::string> keys;
  for (int f = 0; f < feeds; ++f) {
    keys.push_back(fmt::format("feed{}", f));
    std::vector<NewEntry> entries;
    for (int e = 0; e < per_feed; ++e) {
      entries.push_back(entry(fmt::format("{}-{}", keys.back(), e)));
    }
    writer->insert_entries(keys.back(), entries, FeedState{});
  }
  StoreOptions options;
  options.mailbox_cache = std::make_shared<MailboxCache>();
  auto reader = open_postgresql_store(url, Role::reader, options);
  reader->listing("alice", keys); // the cache filled once

  int serial = 0;
  std::printf("%-22s %7s %9s %9s %12s %12s\n", "phase", "logins", "wall ms", "cpu ms",
              "feeds/login", "rows/login");
  const auto print = [&](const char* name, const Phase& p) {
    std::printf("%-22s %7d %9.2f %9.2f %12.1f %12.1f\n", name, count, p.wall_ms, p.cpu_ms, p.feeds,
                p.rows);
  };
  print("no long transaction", logins(*writer, *reader, keys, count, serial));
  feedpop::storage::pg::Connection held(url);
  held.exec("BEGIN");
  held.exec("SELECT pg_current_xact_id()");
  print("long transaction open", logins(*writer, *reader, keys, count, serial));
  held.exec("ROLLBACK");
  return 0;
}
