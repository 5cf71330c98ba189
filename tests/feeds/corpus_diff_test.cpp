// Differential test against Python feedparser (shared/tools/feeddiff.py, FEED_JSON.md):
// `feedpop parse --json` must agree with the oracle on at least 97% of the shared corpus.
// Skipped when ../shared, /usr/bin/python3 with feedparser, or the feedpop binary is
// missing. Oracle output is cached in the build directory (FEEDPOP_ORACLE_CACHE overrides
// it). A cold cache costs ~10 min of feedparser on 2 loaded cores, more than a test
// timeout, so the test runs when the cache is known complete (a marker written after a
// full run) or when FEEDPOP_CORPUS_DIFF=1 asks for the cold run; warm, it takes ~1 min.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  status = ::pclose(pipe);
  return out;
}

TEST(CorpusDifferential, AgreesWithFeedparserOnAtLeast97PercentOfTheCorpus) {
  std::error_code ec;
  // Canonical, so that cache keys (which include the oracle's path) match manual runs.
  const fs::path shared = fs::weakly_canonical(FEEDPOP_SHARED_DIR, ec);
  const fs::path feeddiff = shared / "tools" / "feeddiff.py";
  const fs::path corpus = shared / "corpus" / "feeds";
  const fs::path feedpop = fs::path(FEEDPOP_BINARY_DIR) / "feedpop";
  if (!fs::exists(feeddiff) || !fs::exists(corpus)) {
    GTEST_SKIP() << "no shared corpus at " << shared;
  }
  if (!fs::exists(feedpop)) {
    GTEST_SKIP() << "feedpop binary not built at " << feedpop;
  }
  int status = 0;
  run("/usr/bin/python3 -c 'import feedparser' 2>/dev/null", status);
  if (status != 0) {
    GTEST_SKIP() << "/usr/bin/python3 has no feedparser (apt-get install python3-feedparser)";
  }
  const char* env_cache = std::getenv("FEEDPOP_ORACLE_CACHE");
  const fs::path cache = env_cache != nullptr && *env_cache != '\0'
                             ? fs::path(env_cache)
                             : fs::path(FEEDPOP_BINARY_DIR) / "feedoracle-cache";
  const fs::path marker = cache / "complete.marker";
  const char* force = std::getenv("FEEDPOP_CORPUS_DIFF");
  if (!fs::exists(marker) && (force == nullptr || std::string(force) != "1")) {
    GTEST_SKIP() << "oracle cache " << cache << " is cold; run once with FEEDPOP_CORPUS_DIFF=1 "
                 << "(about 10 minutes) to fill it";
  }
  const std::string command = "python3 '" + feeddiff.string() +
                              "' -j 2 --quiet --timeout 120 --cache '" + cache.string() + "' '" +
                              feedpop.string() + " parse --json {}' '" + corpus.string() + "' 2>&1";
  std::string out = run(command, status);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"((\d+) passed, (\d+) failed)"))) << out;
  const double passed = std::stod(m[1]);
  const double failed = std::stod(m[2]);
  ASSERT_GT(passed + failed, 0);
  const double agreement = passed / (passed + failed);
  RecordProperty("agreement_percent", std::to_string(agreement * 100));
  fs::create_directories(cache, ec);
  std::ofstream(marker) << "feeddiff completed over " << passed + failed << " files\n";
  EXPECT_GE(agreement, 0.97) << "feeddiff output (every disagreement must be listed in "
                                "tests/feeds/DIFFERENCES.md):\n"
                             << out;
}

} // namespace
