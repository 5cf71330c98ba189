// Storage benchmark (issue 5 targets): ingest rate, snapshot latency of a 10,000-message
// mailbox, and database size relative to the stored message bytes.
//
//   storage_bench [entries=10000] [dir=$TMPDIR] [page_size=0 (default)] [profile]
//
// Messages are synthetic rendered mails: ~900 bytes of headers plus a body whose size
// follows a profile (profile "rendered": the size distribution of feedpop's own output); identities
// look like entry URLs and content hashes like SHA-256 hex, as the fetcher stores them. Runs with
// the store's real settings (WAL; ingest commits with synchronous=NORMAL, so the ingest figure
// includes the checkpoints' fsyncs but none per poll transaction).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "storage/store.hpp"

namespace {

using namespace feedpop::storage;
using clock_type = std::chrono::steady_clock;

struct Quantile {
  double fraction;
  std::size_t bytes;
};

// Sizes of the messages feedpop renders: `feedpop render` over the 873 feed documents of
// shared/corpus/feeds (3,801 messages, CRLF sizes; measured 2026-11-27). Mean 3,433 bytes,
// median 1,231, 90th percentile 7.9 KB, largest 198 KB. Sampled by inverse CDF, linear
// between these points, so the bench needs no corpus at run time.
constexpr Quantile rendered_sizes[] = {
    {0.00, 430},   {0.02, 481},    {0.05, 495},    {0.10, 522},   {0.15, 567},   {0.20, 734},
    {0.25, 950},   {0.30, 1028},   {0.35, 1065},   {0.40, 1090},  {0.45, 1115},  {0.50, 1231},
    {0.55, 1917},  {0.60, 2319},   {0.65, 2572},   {0.70, 2818},  {0.75, 3392},  {0.80, 4391},
    {0.85, 5944},  {0.90, 7887},   {0.93, 9294},   {0.95, 11148}, {0.97, 13879}, {0.98, 18222},
    {0.99, 25235}, {0.995, 37870}, {0.999, 87550}, {1.00, 197710}};

struct Profile {
  const char* name;
  std::size_t min_body; // uniform body size (after 900 bytes of headers) …
  std::size_t max_body;
  bool rendered = false; // … or whole-message sizes drawn from rendered_sizes
};

std::size_t rendered_size(std::mt19937& rng) {
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  for (std::size_t i = 1; i < std::size(rendered_sizes); ++i) {
    const Quantile& lo = rendered_sizes[i - 1];
    const Quantile& hi = rendered_sizes[i];
    if (u <= hi.fraction) {
      const double t = (u - lo.fraction) / (hi.fraction - lo.fraction);
      return lo.bytes + static_cast<std::size_t>(t * static_cast<double>(hi.bytes - lo.bytes));
    }
  }
  return rendered_sizes[std::size(rendered_sizes) - 1].bytes;
}

std::string make_message(std::mt19937& rng, const std::string& id, std::size_t body,
                         std::size_t header_limit = 900) {
  std::string m = fmt::format(
      "Message-ID: <{0}@feedpop.localhost>\r\nFrom: \"Example Blog\" <feeds@feedpop.localhost>"
      "\r\nTo: alice\r\nSubject: An entry titled {0}\r\nDate: Tue, 01 Jan 2030 00:00:00 "
      "+0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n"
      "X-Feedpop-Feed: example\r\nList-Id: example.feedpop.localhost\r\n\r\n",
      id);
  m.resize(std::min<std::size_t>(900, header_limit), ' ');
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz     ,.ETAOIN";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
  for (std::size_t i = 0; i < body; ++i) {
    m.push_back(i % 76 == 75 ? '\n' : alphabet[pick(rng)]);
  }
  return m;
}

// Wall time on a shared machine includes waiting for a core; CPU time does not.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Result {
  double ingest_per_s = 0;     // entries per wall-clock second
  double ingest_per_cpu_s = 0; // entries per second of CPU time (what one idle core does)
  double snapshot_ms = 0;      // median wall time
  double snapshot_cpu_ms = 0;  // median CPU time of the calling thread
  double ratio = 0;
  std::uint64_t message_bytes = 0;
  std::uint64_t file_bytes = 0;
};

Result run(const std::filesystem::path& dir, const Profile& p, int entries, int batch,
           int page_size) {
  const std::string path = (dir / fmt::format("bench-{}.db", p.name)).string();
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  std::mt19937 rng(42);
  std::uniform_int_distribution<std::size_t> body(p.min_body, p.max_body);
  StoreOptions options;
  options.page_size = page_size;
  auto writer = open_sqlite_store(path, Role::writer, options);
  const std::vector<std::string> feeds = {"lwn", "hn", "blog", "news", "release"};

  // Prepare everything first so the timing covers the store only.
  std::vector<std::vector<NewEntry>> polls;
  Result r;
  for (int i = 0; i < entries; i += batch) {
    std::vector<NewEntry> poll;
    for (int j = i; j < std::min(entries, i + batch); ++j) {
      NewEntry e;
      e.identity = fmt::format("https://example.org/{}/2030/01/entry-{}.html", p.name, j);
      e.content_hash = std::string(64, 'f');
      if (p.rendered) {
        const std::size_t total = rendered_size(rng);
        e.message = make_message(rng, std::to_string(j), total > 900 ? total - 900 : 0, total);
      } else {
        e.message = make_message(rng, std::to_string(j), body(rng));
      }
      r.message_bytes += e.message.size();
      poll.push_back(std::move(e));
    }
    polls.push_back(std::move(poll));
  }
  const double c0 = thread_cpu_ms();
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < polls.size(); ++i) {
    writer->insert_entries(feeds[i % feeds.size()], polls[i], FeedState{});
  }
  const double ingest_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  r.ingest_per_s = entries / ingest_s;
  r.ingest_per_cpu_s = entries / ((thread_cpu_ms() - c0) / 1e3);

  // A user who deleted every 20th message; snapshot on a reader connection.
  auto reader = open_sqlite_store(path, Role::reader);
  auto box = reader->snapshot("alice", feeds);
  std::vector<EntryId> deleted;
  for (std::size_t i = 0; i < box.size(); i += 20) {
    deleted.push_back(box[i].id);
  }
  reader->commit_deletions("alice", deleted);
  std::vector<double> times, cpu;
  for (int i = 0; i < 31; ++i) {
    const double cpu0 = thread_cpu_ms();
    const auto s0 = clock_type::now();
    box = reader->snapshot("alice", feeds);
    times.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - s0).count());
    cpu.push_back(thread_cpu_ms() - cpu0);
  }
  std::sort(times.begin(), times.end());
  std::sort(cpu.begin(), cpu.end());
  r.snapshot_ms = times[times.size() / 2];
  r.snapshot_cpu_ms = cpu[cpu.size() / 2];
  if (box.size() != static_cast<std::size_t>(entries) - deleted.size()) {
    std::fprintf(stderr, "unexpected mailbox size %zu\n", box.size());
  }
  reader.reset();
  writer.reset(); // the last connection checkpoints and removes the WAL
  r.file_bytes = std::filesystem::file_size(path);
  r.ratio = static_cast<double>(r.file_bytes) / static_cast<double>(r.message_bytes);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  const int entries = argc > 1 ? std::stoi(argv[1]) : 10000;
  const std::filesystem::path dir =
      argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path();
  const int page_size = argc > 3 ? std::stoi(argv[3]) : 0; // 0: the store's default
  const std::string only = argc > 4 ? argv[4] : "";        // one profile
  const Profile profiles[] = {{"small", 300, 3000},
                              {"typical", 1000, 12000},
                              {"large", 4000, 40000},
                              {"rendered", 0, 0, true}};
  std::printf("%-8s %6s %8s %10s %10s %9s %9s %9s %9s %7s\n", "profile", "batch", "entries",
              "ingest/s", "ingest/cpu", "snap ms", "snap cpu", "msg MB", "file MB", "ratio");
  for (const Profile& p : profiles) {
    if (!only.empty() && only != p.name) {
      continue;
    }
    for (int batch : {20, 100, 1000}) {
      const Result r = run(dir, p, entries, batch, page_size);
      std::printf("%-8s %6d %8d %10.0f %10.0f %9.2f %9.2f %9.2f %9.2f %7.3f\n", p.name, batch,
                  entries, r.ingest_per_s, r.ingest_per_cpu_s, r.snapshot_ms, r.snapshot_cpu_ms,
                  static_cast<double>(r.message_bytes) / 1e6,
                  static_cast<double>(r.file_bytes) / 1e6, r.ratio);
      if (std::getenv("FEEDPOP_BENCH_KEEP") == nullptr) {
        std::filesystem::remove(dir / fmt::format("bench-{}.db", p.name));
      }
    }
  }
  return 0;
}
