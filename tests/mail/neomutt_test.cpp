// A real mail client on `feedpop render` output: tests/mail/neomutt_check.sh opens the
// mbox in neomutt inside tmux and reads the screen. Skipped without neomutt, tmux or the
// feedpop binary (exit status 77 from the script).

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>

#include <fmt/format.h>

namespace {

TEST(NeomuttReadsRenderedMbox, ShowsDecodedSubjectsAndReadableBodies) {
  const std::string command =
      fmt::format("'{0}/tests/mail/neomutt_check.sh' '{1}/feedpop' "
                  "'{0}/tests/mail/fixtures/mixed_scripts_with_html.xml' 2>&1",
                  FEEDPOP_SOURCE_DIR, FEEDPOP_BINARY_DIR);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
    output.append(buffer, n);
  }
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 77) {
    GTEST_SKIP() << output;
  }
  EXPECT_EQ(code, 0) << output;
}

} // namespace
