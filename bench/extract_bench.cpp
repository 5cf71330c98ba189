// Article extraction speed, single thread: every page of a directory tree of
// source.html files (default ../shared/corpus/articles/pages) extracted ROUNDS times;
// prints pages/s and MB/s of input, by wall and by CPU time. Peak memory is measured on the CLI
// with /usr/bin/time -v (bench/RESULTS.md).
//   extract_bench [PAGES_DIR] [ROUNDS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "content/article.hpp"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const fs::path dir =
      argc > 1 ? fs::path(argv[1]) : fs::path(FEEDPOP_SHARED_DIR) / "corpus/articles/pages";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<std::string> pages;
  std::size_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.path().filename() == "source.html") {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      pages.push_back(s.str());
      bytes += pages.back().size();
    }
  }
  if (pages.empty()) {
    std::fprintf(stderr, "extract_bench: no source.html under %s\n", dir.c_str());
    return 1;
  }
  std::size_t found = 0;
  const auto start = std::chrono::steady_clock::now();
  const std::clock_t cpu_start = std::clock();
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& page : pages) {
      const auto result = feedpop::content::extract(page, "http://fakehost/test/page.html");
      found += std::holds_alternative<feedpop::content::Article>(result) ? 1 : 0;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // CPU time as well: on a shared machine, wall time includes waiting for a core.
  const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double n = static_cast<double>(pages.size()) * rounds;
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf("%zu pages (%.1f MB) x %d rounds: wall %.1f pages/s (%.1f MB/s), CPU %.1f pages/s "
              "(%.1f MB/s); %zu articles found\n",
              pages.size(), mb, rounds, n / seconds, mb * rounds / seconds, n / cpu,
              mb * rounds / cpu, found / rounds);
  return 0;
}
