// No Docker engine runs on the build machines, so this keeps docker/Dockerfile and
// compose.yaml honest: every path, port, user and command they name must exist and agree
// with the config defaults, and the image must build the way CI builds.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "gateway/config.hpp"
#include "gateway/config_warnings.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;
const fs::path source_dir = FEEDPOP_SOURCE_DIR;
const fs::path binary_dir = FEEDPOP_BINARY_DIR;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Instruction {
  std::string keyword; // FROM, RUN, COPY, ...
  std::string args;
};

// Dockerfile syntax: one instruction per logical line; "\" continues; "#" comments.
std::vector<Instruction> parse_dockerfile(const std::string& text) {
  std::vector<Instruction> out;
  std::istringstream in(text);
  std::string line;
  std::string logical;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') {
      continue;
    }
    if (!line.empty() && line.back() == '\\') {
      logical += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    logical += line;
    const auto start = logical.find_first_not_of(" \t");
    const auto space = logical.find_first_of(" \t", start);
    out.push_back({logical.substr(start, space - start),
                   space == std::string::npos ? "" : logical.substr(space + 1)});
    logical.clear();
  }
  return out;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) {
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  ::pclose(p);
  return out;
}

std::string squeeze(std::string s) {
  s = std::regex_replace(s, std::regex("[ \t]+"), " ");
  const auto b = s.find_first_not_of(' ');
  const auto e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The build commands CI runs: .ci/run → scripts/test (release), whose lines are
// bootstrap, configure and build, with "$preset" standing for the preset.
std::vector<std::string> ci_build_commands() {
  std::vector<std::string> cmds;
  std::istringstream in(read_file(source_dir / "scripts" / "test"));
  std::string line;
  while (std::getline(in, line)) {
    line = squeeze(line);
    if (line.starts_with("scripts/bootstrap") || line.starts_with("cmake ")) {
      line = std::regex_replace(line, std::regex(R"("\$preset")"), "release");
      line = std::regex_replace(line, std::regex(R"( >/dev/null)"), "");
      cmds.push_back(line);
    }
  }
  return cmds;
}

class DockerFiles : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(source_dir / "docker" / "Dockerfile"));
    ASSERT_TRUE(fs::exists(source_dir / "compose.yaml"));
    instructions_ = parse_dockerfile(read_file(source_dir / "docker" / "Dockerfile"));
    std::size_t stage = 0;
    for (const auto& i : instructions_) {
      if (i.keyword == "FROM") {
        ++stage;
      }
      (stage <= 1 ? build_ : runtime_).push_back(i);
    }
  }
  std::vector<std::string> args_of(const std::vector<Instruction>& stage,
                                   const std::string& keyword) const {
    std::vector<std::string> out;
    for (const auto& i : stage) {
      if (i.keyword == keyword) {
        out.push_back(squeeze(i.args));
      }
    }
    return out;
  }
  // The JSON-array form's words: ["feedpop", "health"] → feedpop health.
  static std::vector<std::string> exec_words(const std::string& args) {
    std::vector<std::string> words;
    const std::regex word(R"re("([^"]*)")re");
    for (auto it = std::sregex_iterator(args.begin(), args.end(), word);
         it != std::sregex_iterator(); ++it) {
      words.push_back((*it)[1]);
    }
    return words;
  }
  std::vector<Instruction> instructions_, build_, runtime_;
};

TEST_F(DockerFiles, BothStagesAreDebianBookwormSlim) {
  const auto froms = args_of(instructions_, "FROM");
  ASSERT_EQ(froms.size(), 2U);
  EXPECT_EQ(froms[0], "debian:bookworm-slim AS build");
  EXPECT_EQ(froms[1], "debian:bookworm-slim");
}

TEST_F(DockerFiles, BuildStageRunsExactlyWhatCiRuns) {
  const std::string ci = read_file(source_dir / ".ci" / "run");
  ASSERT_NE(ci.find("scripts/test\n"), std::string::npos) << ".ci/run no longer runs scripts/test";
  std::vector<std::string> docker_cmds;
  for (const auto& r : args_of(build_, "RUN")) {
    std::istringstream split(std::regex_replace(r, std::regex(" && "), "\n"));
    std::string cmd;
    while (std::getline(split, cmd)) {
      docker_cmds.push_back(squeeze(cmd));
    }
  }
  EXPECT_EQ(docker_cmds, ci_build_commands());
  EXPECT_EQ(args_of(build_, "WORKDIR"), std::vector<std::string>{"/src"});
}

TEST_F(DockerFiles, EveryCopiedSourceExistsAndTheBinaryIsWhereThePresetPutsIt) {
  for (const auto& copy : args_of(instructions_, "COPY")) {
    std::istringstream words(copy);
    std::vector<std::string> parts;
    for (std::string w; words >> w;) {
      parts.push_back(w);
    }
    ASSERT_GE(parts.size(), 2U) << copy;
    if (parts[0].starts_with("--from=build")) {
      // /src is the build stage's WORKDIR; CMakePresets puts release in build/release and
      // gateway/CMakeLists.txt the binary at the top of the build tree.
      EXPECT_EQ(parts[1], "/src/build/release/feedpop");
      const std::string presets = read_file(source_dir / "CMakePresets.json");
      EXPECT_NE(presets.find(R"("binaryDir": "${sourceDir}/build/${presetName}")"),
                std::string::npos);
      EXPECT_TRUE(fs::exists(binary_dir / "feedpop"))
          << "the binary is not at the top of " << binary_dir;
      continue;
    }
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (parts[i] != ".") {
        EXPECT_TRUE(fs::exists(source_dir / parts[i])) << "COPY source missing: " << parts[i];
      }
    }
  }
}

TEST_F(DockerFiles, RuntimeStageInstallsRuntimeLibrariesOnlyAndRunsAsNonRoot) {
  const auto runs = args_of(runtime_, "RUN");
  ASSERT_FALSE(runs.empty());
  EXPECT_NE(runs[0].find("bootstrap --runtime"), std::string::npos) << runs[0];
  EXPECT_NE(read_file(source_dir / "scripts" / "bootstrap").find("--runtime)"), std::string::npos);
  const auto users = args_of(runtime_, "USER");
  ASSERT_EQ(users.size(), 1U);
  EXPECT_NE(users[0], "root");
  EXPECT_NE(users[0], "0");
  EXPECT_NE(runs[0].find("useradd"), std::string::npos);
  EXPECT_NE(runs[0].find(" " + users[0]), std::string::npos) << "USER is never created";
}

TEST_F(DockerFiles, PortsVolumeAndCommandAgreeWithTheConfigDefaults) {
  const Pop3Config defaults;
  const auto plain = std::to_string(defaults.listen.at(0).port);
  const auto tls = std::to_string(defaults.tls_listen.at(0).port);
  EXPECT_EQ(args_of(runtime_, "EXPOSE"), std::vector<std::string>{plain + " " + tls});
  EXPECT_EQ(args_of(runtime_, "VOLUME"), std::vector<std::string>{"/data"});
  const auto cmd = args_of(runtime_, "CMD");
  ASSERT_EQ(cmd.size(), 1U);
  EXPECT_EQ(exec_words(cmd[0]),
            (std::vector<std::string>{"serve", "--listen", "0.0.0.0:" + plain, "--tls-listen",
                                      "0.0.0.0:" + tls, "--data-dir", "/data"}));
  EXPECT_EQ(exec_words(args_of(runtime_, "ENTRYPOINT").at(0)), std::vector<std::string>{"feedpop"});
  // The health check asks /healthz where the image's config (and the default) puts the
  // web server; tests/packaging/docker_healthcheck_test.py runs it against a real serve.
  const auto health = args_of(runtime_, "HEALTHCHECK");
  ASSERT_EQ(health.size(), 1U);
  const auto hc = exec_words(health[0].substr(health[0].find("CMD")));
  const WebConfig web_defaults;
  const auto web = web_defaults.listen.at(0);
  const auto url = "http://" + web.host + ":" + std::to_string(web.port) + "/healthz";
  EXPECT_EQ(hc, (std::vector<std::string>{"feedpop", "health", "--url", url, "--quiet"}));
  ::setenv("FEEDPOP_DEMO_PASSWORD", "a-chosen-one", 1);
  const Config image = load_config(source_dir / "docker" / "feeds.yaml");
  ::unsetenv("FEEDPOP_DEMO_PASSWORD");
  ASSERT_FALSE(image.web.listen.empty());
  EXPECT_EQ(image.web.listen.at(0).host, web.host);
  EXPECT_EQ(image.web.listen.at(0).port, web.port);
  // compose.yaml mounts the user's copy of feeds.example.yaml: it keeps the address too.
  const YAML::Node example = YAML::LoadFile((source_dir / "feeds.example.yaml").string());
  std::set<std::string> example_web;
  for (const auto& a : example["web"]["listen"]) {
    example_web.insert(a.as<std::string>());
  }
  EXPECT_TRUE(example_web.contains(web.host + ":" + std::to_string(web.port)))
      << "feeds.example.yaml's web.listen drops the HEALTHCHECK's address";
}

TEST_F(DockerFiles, TheBinaryAcceptsEveryOptionTheImageUses) {
  const auto feedpop = (binary_dir / "feedpop").string();
  const auto serve_help = run(feedpop + " serve --help 2>&1");
  for (const char* opt : {"--listen", "--tls-listen", "--data-dir"}) {
    EXPECT_NE(serve_help.find(opt), std::string::npos) << "serve has no " << opt;
  }
  const auto health_help = run(feedpop + " health --help 2>&1");
  for (const char* opt : {"--url", "--quiet"}) {
    EXPECT_NE(health_help.find(opt), std::string::npos) << "health has no " << opt;
  }
}

TEST_F(DockerFiles, ComposeBuildsTheImageMountsFeedsYamlAndMapsTheStandardPorts) {
  const YAML::Node compose = YAML::LoadFile((source_dir / "compose.yaml").string());
  const YAML::Node svc = compose["services"]["feedpop"];
  ASSERT_TRUE(svc) << "no services.feedpop";
  EXPECT_EQ(svc["build"]["context"].as<std::string>(), ".");
  EXPECT_EQ(svc["build"]["dockerfile"].as<std::string>(), "docker/Dockerfile");
  EXPECT_TRUE(svc["restart"]) << "no restart policy";
  std::set<std::string> ports;
  for (const auto& p : svc["ports"]) {
    ports.insert(p.as<std::string>());
  }
  const Pop3Config defaults;
  // On the host's loopback only: the example config's `demo` user has a known password.
  EXPECT_EQ(ports, (std::set<std::string>{
                       "127.0.0.1:110:" + std::to_string(defaults.listen.at(0).port),
                       "127.0.0.1:995:" + std::to_string(defaults.tls_listen.at(0).port)}));
  // The mounted feeds.yaml must land where FEEDPOP_CONFIG points inside the image.
  std::string config_path;
  for (const auto& env : args_of(runtime_, "ENV")) {
    if (env.starts_with("FEEDPOP_CONFIG=")) {
      config_path = env.substr(std::string("FEEDPOP_CONFIG=").size());
    }
  }
  ASSERT_FALSE(config_path.empty());
  std::map<std::string, std::string> mounts;
  for (const auto& v : svc["volumes"]) {
    const auto s = v.as<std::string>();
    const auto colon = s.find(':');
    const auto target = s.substr(colon + 1, s.find(':', colon + 1) - colon - 1);
    mounts[s.substr(0, colon)] = target;
  }
  EXPECT_EQ(mounts["./feeds.yaml"], config_path);
  EXPECT_EQ(mounts["feedpop-data"], "/data");
  EXPECT_TRUE(compose["volumes"]["feedpop-data"]);
  // The README's one `cp` has a source, and the example's welcome feed ships in the image.
  EXPECT_TRUE(fs::exists(source_dir / "feeds.example.yaml"));
}

TEST_F(DockerFiles, TheImagesConfigShipsNoUserWithAKnownPassword) {
  const fs::path file = source_dir / "docker" / "feeds.yaml";
  const YAML::Node users = YAML::LoadFile(file.string())["users"];
  ASSERT_TRUE(users && users.IsMap());
  for (const auto& user : users) {
    EXPECT_FALSE(user.second["password"])
        << "user " << user.first.as<std::string>() << " has a password written in the image";
  }
  ::unsetenv("FEEDPOP_DEMO_PASSWORD");
  try {
    load_config(file);
    FAIL() << "the image's config loads without a chosen password";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("FEEDPOP_DEMO_PASSWORD"), std::string::npos) << e.what();
  }
  ::setenv("FEEDPOP_DEMO_PASSWORD", "a-chosen-one", 1);
  const Config config = load_config(file);
  ::unsetenv("FEEDPOP_DEMO_PASSWORD");
  EXPECT_EQ(config.users.at("demo").password, "a-chosen-one");
  EXPECT_TRUE(config_warnings(config).empty());
}

// Each library the binary needs must come from a package that `bootstrap --runtime`
// installs, or that debian:bookworm-slim already has.
TEST_F(DockerFiles, RuntimePackagesCoverEveryLibraryTheBinaryNeeds) {
  if (run("command -v dpkg-query readelf").empty()) {
    GTEST_SKIP() << "dpkg or readelf missing: not a Debian build machine";
  }
  const std::string bootstrap = read_file(source_dir / "scripts" / "bootstrap");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(bootstrap, m, std::regex(R"(runtime_pkgs=\(([^)]*)\))")));
  std::set<std::string> allowed{"libc6", "libstdc++6", "libgcc-s1", "zlib1g"}; // in the base
  std::istringstream pkgs(m[1].str());
  for (std::string p; pkgs >> p;) {
    allowed.insert(p);
  }
  const auto needed = run("readelf -d " + (binary_dir / "feedpop").string() +
                          " | sed -n 's/.*Shared library: \\[\\(.*\\)\\]/\\1/p'");
  std::istringstream libs(needed);
  std::vector<std::string> names;
  std::string query = "dpkg-query -S";
  for (std::string lib; std::getline(libs, lib);) {
    // A sanitizer build (asan preset) links the sanitizer runtimes; the image is built
    // with the release preset, which does not.
    // glibc's libraries (libc, libm, ...) are in every Debian image, and a dpkg search for
    // them also matches libc6-i386's copies.
    if (lib.starts_with("libasan") || lib.starts_with("libubsan") || lib.starts_with("liblsan") ||
        lib.starts_with("libm.so") || lib.starts_with("libc.so") || lib.starts_with("ld-linux")) {
      continue;
    }
    names.push_back(lib);
    query += " '*/" + lib + "'";
  }
  // One query for all ("pkg:arch: /path/lib" lines): dpkg-query is slow per call.
  std::map<std::string, std::string> owner_of;
  std::istringstream owners(run(query + " 2>/dev/null"));
  for (std::string line; std::getline(owners, line);) {
    const auto colon = line.find(':');
    const auto slash = line.rfind('/');
    if (colon != std::string::npos && slash != std::string::npos) {
      owner_of.emplace(line.substr(slash + 1), line.substr(0, colon));
    }
  }
  const auto count = names.size();
  for (const auto& lib : names) {
    const auto owner = owner_of[lib];
    EXPECT_TRUE(allowed.contains(owner))
        << lib << " comes from " << (owner.empty() ? "no package" : owner)
        << ", which scripts/bootstrap --runtime does not install";
  }
  EXPECT_GT(count, 3U);
}

} // namespace
} // namespace feedpop::gateway
