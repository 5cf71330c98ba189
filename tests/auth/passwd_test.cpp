// `feedpop passwd` (gateway/cmd_passwd.cpp) prints a verifier that auth accepts.
#include <cstdio>
#include <filesystem>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "auth/scram.hpp"

namespace feedpop::auth {
namespace {

struct Output {
  int status;
  std::string text;
};

Output run(const std::string& command) {
  Output out{-1, {}};
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    return out;
  }
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    out.text += buf;
  }
  const int status = ::pclose(p);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string binary() {
  return std::string(FEEDPOP_BINARY_DIR) + "/feedpop";
}

TEST(Passwd, PrintsAVerifierThatMatchesThePasswordFromStdin) {
  if (!std::filesystem::exists(binary())) {
    GTEST_SKIP() << "feedpop binary not built";
  }
  const auto out = run("printf 'correct horse\\n' | " + binary() + " passwd");
  ASSERT_EQ(out.status, 0);
  ASSERT_FALSE(out.text.empty());
  const auto parsed = parse_scram_verifier(out.text.substr(0, out.text.size() - 1));
  ASSERT_TRUE(parsed.verifier) << parsed.error << ": " << out.text;
  EXPECT_EQ(parsed.verifier->iterations, 4096u);
  EXPECT_TRUE(scram_password_matches(*parsed.verifier, "correct horse"));
  EXPECT_FALSE(scram_password_matches(*parsed.verifier, "correct horse\n"));
}

TEST(Passwd, RefusesAnEmptyPassword) {
  if (!std::filesystem::exists(binary())) {
    GTEST_SKIP() << "feedpop binary not built";
  }
  EXPECT_EQ(run("printf '\\n' | " + binary() + " passwd 2>/dev/null").status, 1);
}

} // namespace
} // namespace feedpop::auth
