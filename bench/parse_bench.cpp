// Feed parsing throughput and peak memory over the shared corpus (issue 3: ≥ 100 MB/s of
// feed XML on one thread, peak memory ≤ 3× the input). A small harness, not Google
// Benchmark: it needs per-document peak-allocation accounting.
//
// usage: parse_bench [CORPUS_DIR] [SECONDS]   (default: ../shared/corpus/feeds, 5 s)
// Throughput is printed by wall clock and by the process's CPU time in the timed loop.
// Allocation is counted through operator new/delete and pugixml's allocation hooks.
// Each document is handed to feeds::parse by value (std::string&&), as the fetcher and
// `feedpop parse` do: the body the HTTP client produced becomes the parser's buffer. The
// body itself is the input, not counted; every allocation parse makes is. The timed loop
// includes copying each document first (the product does not), so it errs on the slow side.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <new>
#include <pugixml.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/parse.hpp"

namespace feeds = feedpop::feeds;

namespace {

std::size_t g_current = 0;
std::size_t g_peak = 0;

void* counted_alloc(std::size_t n) {
  auto* p = static_cast<std::size_t*>(std::malloc(n + sizeof(max_align_t)));
  if (p == nullptr) {
    return nullptr;
  }
  *p = n;
  g_current += n;
  g_peak = std::max(g_peak, g_current);
  return reinterpret_cast<char*>(p) + sizeof(max_align_t);
}

void counted_free(void* q) {
  if (q == nullptr) {
    return;
  }
  auto* p = reinterpret_cast<std::size_t*>(static_cast<char*>(q) - sizeof(max_align_t));
  g_current -= *p;
  std::free(p);
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

} // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) {
    return p;
  }
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  pugi::set_memory_management_functions(counted_alloc, counted_free);
  fs::path dir = argc > 1 ? fs::path(argv[1]) : fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
  double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  if (!fs::exists(dir)) {
    std::fprintf(stderr, "parse_bench: no corpus at %s\n", dir.c_str());
    return 0;
  }
  std::vector<std::string> docs;
  std::vector<std::string> names;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string().front() != '.') {
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      docs.push_back(s.str());
      names.push_back(fs::relative(e.path(), dir).string());
    }
  }
  std::size_t total = 0;
  for (const auto& d : docs) {
    total += d.size();
  }
  // Peak memory per document, relative to its size (documents ≥ 4 KiB: tiny ones are
  // dominated by fixed costs, and they are where a ratio means nothing).
  double worst_ratio = 0, weighted_peak = 0;
  std::string worst_name;
  std::size_t above_3x = 0;
  std::size_t feed_count = 0;
  // By size class: fixed costs dominate the ratio of small documents.
  struct SizeClass {
    const char* name;
    std::size_t below, docs = 0, bytes = 0;
    double peak = 0;
  };
  std::vector<SizeClass> classes = {
      {"< 4 KiB", 4096}, {"4-32 KiB", 32768}, {">= 32 KiB", static_cast<std::size_t>(-1)}};
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::string& d = docs[i];
    std::string body = d;
    std::size_t base = g_current;
    g_peak = base;
    feeds::ParseResult r = feeds::parse(std::move(body));
    feed_count += std::holds_alternative<feeds::Feed>(r) ? 1 : 0;
    double peak = static_cast<double>(g_peak - base);
    weighted_peak += peak;
    double ratio = peak / static_cast<double>(d.size());
    above_3x += ratio > 3 ? 1 : 0;
    if (ratio > 3 && std::getenv("PARSE_BENCH_LIST") != nullptr) {
      std::fprintf(stderr, "%.2fx %zu %s\n", ratio, d.size(), names[i].c_str());
    }
    if (d.size() >= 4096 && ratio > worst_ratio) {
      worst_ratio = ratio;
      worst_name = names[i];
    }
    for (auto& c : classes) {
      if (d.size() < c.below) {
        ++c.docs;
        c.bytes += d.size();
        c.peak += peak;
        break;
      }
    }
  }
  using clock = std::chrono::steady_clock;
  std::size_t bytes = 0, passes = 0;
  const double cpu_start = process_cpu_seconds();
  auto start = clock::now();
  while (std::chrono::duration<double>(clock::now() - start).count() < seconds) {
    for (const auto& d : docs) {
      auto r = feeds::parse(std::string(d));
      bytes += d.size();
      (void)r;
    }
    ++passes;
  }
  double elapsed = std::chrono::duration<double>(clock::now() - start).count();
  const double cpu = process_cpu_seconds() - cpu_start;
  std::printf("corpus: %zu files, %.1f MB, %zu parsed as feeds\n", docs.size(), total / 1e6,
              feed_count);
  std::printf("throughput: %.1f MB/s (single thread, %zu passes in %.1f s)\n",
              bytes / 1e6 / elapsed, passes, elapsed);
  // The same loop measured by the CPU time the process spent in it: on a machine shared with
  // other work the wall clock counts time the thread waited for a core, this does not.
  std::printf("throughput by CPU time: %.1f MB/s (%.2f s of CPU in the timed loop)\n",
              bytes / 1e6 / cpu, cpu);
  std::printf("peak memory: %.2fx input over the corpus (sum of per-document peaks / bytes); "
              "worst document >= 4 KiB: %.2fx (%s)\n",
              weighted_peak / static_cast<double>(total), worst_ratio, worst_name.c_str());
  std::printf("documents above 3x: %zu of %zu\n", above_3x, docs.size());
  for (const auto& c : classes) {
    std::printf("  documents %-9s %4zu files, %5.1f MB: %.2fx (%.0f KB per document)\n", c.name,
                c.docs, c.bytes / 1e6, c.bytes == 0 ? 0.0 : c.peak / static_cast<double>(c.bytes),
                c.docs == 0 ? 0.0 : c.peak / static_cast<double>(c.docs) / 1e3);
  }
  return 0;
}
