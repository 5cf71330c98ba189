// Warnings of `check` and `serve` (gateway/config_warnings.hpp): the example's password,
// and plaintext passwords in a config file other users may read.
#include "gateway/config_warnings.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

bool mentions(const std::vector<std::string>& warnings, const std::string& text) {
  for (const auto& w : warnings) {
    if (w.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

class ConfigWarnings : public ::testing::Test {
protected:
  // Writes `users_yaml` under users: into feeds.yaml with `mode`, and loads it.
  Config load(const std::string& users_yaml, mode_t mode) {
    const fs::path file = dir.path() / "feeds.yaml";
    std::ofstream(file) << "data_dir: ./data\nusers:\n" << users_yaml;
    EXPECT_EQ(::chmod(file.c_str(), mode), 0);
    return load_config(file);
  }
  test::TempDir dir;
};

TEST_F(ConfigWarnings, TheExamplesPasswordIsTheOneWeWarnAbout) {
  const fs::path example = fs::path(FEEDPOP_SOURCE_DIR) / "feeds.example.yaml";
  const YAML::Node users = YAML::LoadFile(example.string())["users"];
  ASSERT_TRUE(users && users.IsMap());
  for (const auto& user : users) {
    EXPECT_EQ(user.second["password"].as<std::string>(), example_password);
  }
  const auto warnings = config_warnings(load_config(example));
  EXPECT_TRUE(mentions(warnings, "user 'demo' still has the example's password"));
}

TEST_F(ConfigWarnings, AUserWithTheExamplesPasswordIsNamedWhereverItComesFrom) {
  ::setenv("FEEDPOP_TEST_PW", "demo", 1);
  const auto warnings = config_warnings(load("  alice:\n    password: own-secret\n"
                                             "  bob:\n    password_env: FEEDPOP_TEST_PW\n",
                                             0600));
  ::unsetenv("FEEDPOP_TEST_PW");
  EXPECT_TRUE(mentions(warnings, "user 'bob'"));
  EXPECT_FALSE(mentions(warnings, "user 'alice'"));
}

TEST_F(ConfigWarnings, PlaintextPasswordsInAWorldReadableFileAreReported) {
  const std::string users = "  alice:\n    password: own-secret\n";
  const auto readable = config_warnings(load(users, 0644));
  ASSERT_EQ(readable.size(), 1U);
  EXPECT_TRUE(mentions(readable, "plaintext passwords (users alice)"));
  EXPECT_TRUE(mentions(readable, "0644"));
  EXPECT_TRUE(mentions(readable, (dir.path() / "feeds.yaml").string()));
  EXPECT_TRUE(config_warnings(load(users, 0640)).empty()) << "group-readable is a choice";
  EXPECT_TRUE(config_warnings(load(users, 0600)).empty());
}

TEST_F(ConfigWarnings, SecretsNotWrittenInTheFileDoNotMakeItsModeAProblem) {
  ::setenv("FEEDPOP_TEST_PW", "from-the-environment", 1);
  const auto warnings =
      config_warnings(load("  alice:\n    password_env: FEEDPOP_TEST_PW\n"
                           "  bob:\n    scram: \"SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
                           "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
                           "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=\"\n",
                           0644));
  ::unsetenv("FEEDPOP_TEST_PW");
  EXPECT_TRUE(warnings.empty()) << warnings.front();
}

TEST_F(ConfigWarnings, CheckPrintsEachWarningOnItsOwnLine) {
  std::ostringstream out;
  print_config_warnings(load("  a:\n    password: demo\n", 0644), out);
  const std::string text = out.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(text.rfind("warning: ", 0), 0U);
}

} // namespace
} // namespace feedpop::gateway
