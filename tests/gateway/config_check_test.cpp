// `feedpop check` on files: the example config passes, and each broken fixture in
// fixtures/config/ is rejected with exit status 1 and the exact file:line:col its first
// line announces ("# expect: LINE:COL: message").
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "gateway/commands.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

struct CheckRun {
  int status = -1;
  std::string out;
  std::string err;
};

CheckRun run_check(const fs::path& config) {
  CLI::App app{"feedpop"};
  GlobalOptions global;
  global.config = config.string();
  CheckRun run;
  add_check_command(app, global, run.status);
  std::ostringstream out;
  std::ostringstream err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  const char* argv[] = {"feedpop", "check"};
  app.parse(2, argv);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  run.out = out.str();
  run.err = err.str();
  return run;
}

const fs::path fixtures = fs::path(FEEDPOP_SOURCE_DIR) / "tests/gateway/fixtures/config";

TEST(CheckCommand, AcceptsTheExampleConfigWithASummary) {
  const fs::path example = fs::path(FEEDPOP_SOURCE_DIR) / "feeds.example.yaml";
  const CheckRun run = run_check(example);
  EXPECT_EQ(run.status, exit_ok) << run.err;
  EXPECT_EQ(run.out.rfind(example.string() + ": ok — ", 0), 0u) << run.out;
  EXPECT_NE(run.out.find(" feeds, 1 user\n"), std::string::npos) << run.out;
}

TEST(CheckCommand, CountsFeedsAndUsers) {
  const CheckRun run = run_check(fixtures / "valid.yaml");
  EXPECT_EQ(run.status, exit_ok) << run.err;
  EXPECT_EQ(run.out, (fixtures / "valid.yaml").string() + ": ok — 2 feeds, 1 user\n");
}

TEST(CheckCommand, AMissingFileIsAConfigError) {
  const CheckRun run = run_check(fixtures / "no-such-file.yaml");
  EXPECT_EQ(run.status, exit_config);
  EXPECT_NE(run.err.find("no-such-file.yaml: cannot read"), std::string::npos) << run.err;
}

TEST(CheckCommand, RejectsEachBrokenFixtureAtItsExactPosition) {
  ::unsetenv("FEEDPOP_FIXTURE_UNSET");
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(fixtures)) {
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    const std::string marker = "# expect: ";
    if (first.rfind(marker, 0) != 0) {
      continue;
    }
    ++checked;
    const std::string expected = first.substr(marker.size());
    const std::string where = expected.substr(0, expected.find(": ") + 2);
    const std::string message = expected.substr(where.size());
    const CheckRun run = run_check(entry.path());
    EXPECT_EQ(run.status, exit_config) << entry.path();
    EXPECT_TRUE(run.out.empty()) << run.out;
    EXPECT_EQ(run.err.rfind(entry.path().string() + ":" + where, 0), 0u)
        << entry.path().filename() << ": expected " << where << " got " << run.err;
    EXPECT_NE(run.err.find(message), std::string::npos)
        << entry.path().filename() << ": expected '" << message << "' in " << run.err;
  }
  EXPECT_GE(checked, 15u);
}

} // namespace
} // namespace feedpop::gateway
