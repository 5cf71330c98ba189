// Tag view login cost (issue 18): listing `alice+TAG` over a mailbox of N messages of which
// every 50th is tagged, on SQLite, two ways:
//   stored   Store::tag_view_snapshot (the tags stored at ingest; what feedpop does)
//   headers  snapshot() of the tagged feeds, then the header of each message read through
//            Store::read_at and its Keywords field searched (what tag views did before the
//            tags were stored), emulated here for the comparison
// Each is run `rounds` times on a warm cache; the median is printed.
//
//   tag_view_bench [entries=10000] [dir=$TMPDIR] [rounds=21]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "storage/store.hpp"

namespace {

using namespace feedpop::storage;
using clock_type = std::chrono::steady_clock;

std::string message(std::size_t i, bool tagged) {
  std::string out = fmt::format("Subject: entry {}\r\nFrom: \"Blog\" <blog@feedpop.invalid>\r\n"
                                "Message-ID: <{}@feedpop.invalid>\r\nX-Feed: blog\r\n",
                                i, i);
  out += std::string(700, 'h') + "\r\n"; // the rest of a rendered header, ~900 bytes
  if (tagged) {
    out += "Keywords: rust\r\n";
  }
  return out + "MIME-Version: 1.0\r\n\r\n" + std::string(2000, 'b') + "\r\n";
}

// The pre-stored-tags view: every candidate message's header read and searched.
std::size_t by_headers(Store& store) {
  std::size_t found = 0;
  char buffer[4096];
  for (const MailboxItem& item : store.snapshot("alice", {"blog"})) {
    std::string head;
    for (;;) {
      const std::size_t n = store.read_at(item.id, head.size(), buffer, sizeof buffer);
      head.append(buffer, n);
      if (head.find("\r\n\r\n") != std::string::npos || n < sizeof buffer) {
        break;
      }
    }
    head.resize(std::min(head.find("\r\n\r\n"), head.size()));
    found += head.find("\r\nKeywords: rust") != std::string::npos ? 1 : 0;
  }
  return found;
}

template <class Fn> double median_ms(int rounds, std::size_t expected, Fn&& fn) {
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    const auto start = clock_type::now();
    const std::size_t n = fn();
    ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
    if (n != expected) {
      std::fprintf(stderr, "listed %zu messages, expected %zu\n", n, expected);
      std::exit(1);
    }
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  const std::size_t entries = argc > 1 ? std::stoul(argv[1]) : 10000;
  const std::filesystem::path dir =
      argc > 2 ? std::filesystem::path(argv[2]) : std::filesystem::temp_directory_path();
  const int rounds = argc > 3 ? std::stoi(argv[3]) : 21;
  const auto path = dir / fmt::format("tag_view_bench_{}.db", ::getpid());
  std::size_t tagged = 0;
  {
    auto writer = open_sqlite_store(path.string(), Role::writer);
    FeedState state;
    state.key = "blog";
    std::vector<NewEntry> batch;
    for (std::size_t i = 0; i < entries; ++i) {
      NewEntry e;
      e.identity = fmt::format("https://blog.example/{}", i);
      e.content_hash = fmt::format("{:064x}", i);
      const bool tag = i % 50 == 0;
      tagged += tag ? 1 : 0;
      e.message = message(i, tag);
      if (tag) {
        e.tags = {"rust"};
      }
      batch.push_back(std::move(e));
      if (batch.size() == 100 || i + 1 == entries) {
        writer->insert_entries("blog", batch, state);
        batch.clear();
      }
    }
  }
  auto reader = open_sqlite_store(path.string(), Role::reader);
  const double stored = median_ms(rounds, tagged, [&] {
    return reader->tag_view_snapshot("alice", {}, {"blog"}, "rust").size();
  });
  const double headers = median_ms(rounds, tagged, [&] { return by_headers(*reader); });
  std::printf("mailbox %zu messages, %zu tagged: stored tags %.3f ms, header reads %.3f ms "
              "(median of %d)\n",
              entries, tagged, stored, headers, rounds);
  reader.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix);
  }
  return 0;
}
