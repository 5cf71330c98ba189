#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/opml.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path.string() + ": cannot read: " +
                             std::error_code(errno, std::generic_category()).message());
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string today() {
  char date[16];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  return date;
}

int import_opml(const fs::path& config_path, const fs::path& opml_path) {
  // A missing config file is created; an invalid one is refused before anything changes.
  const bool exists = fs::exists(config_path);
  const std::string before = exists ? read_file(config_path) : "";
  const Config config = parse_config(before, config_path);
  const OpmlDocument opml = parse_opml(read_file(opml_path));
  const ImportPlan plan = plan_import(config, opml);
  const std::string after = append_feeds(
      before, plan.added, "imported from " + opml_path.filename().string() + " on " + today());
  const Config check = parse_config(after, config_path); // the result must load, too
  for (const auto& feed : plan.added) {
    std::cout << "add " << feed.key << ": " << feed.url << '\n';
  }
  for (const auto& duplicate : plan.duplicates) {
    std::cout << "skip duplicate: " << duplicate << '\n';
  }
  for (const auto& skipped : opml.skipped) {
    std::cout << "skip " << skipped << '\n';
  }
  if (!plan.added.empty()) {
    replace_config_file(config_path, after);
  }
  std::cout << config_path.string() << ": "
            << "added " << plan.added.size() << " feeds (" << check.feeds.size()
            << " in all), skipped " << plan.duplicates.size() << " duplicates and "
            << opml.skipped.size() << " unsupported outlines\n";
  return exit_ok;
}

} // namespace

void replace_config_file(const fs::path& path, const std::string& text) {
  struct stat original {};
  const bool exists = ::stat(path.c_str(), &original) == 0;
  const mode_t mode = exists ? (original.st_mode & 07777) : mode_t{0644};
  std::string temporary = path.string() + ".import-XXXXXX";
  const int fd = ::mkostemp(temporary.data(), O_CLOEXEC); // a new file, never a stale one
  if (fd < 0) {
    throw std::runtime_error(path.string() + ": cannot create a temporary file: " +
                             std::error_code(errno, std::generic_category()).message());
  }
  auto fail = [&](const std::string& what) {
    const std::error_code ec(errno, std::generic_category());
    ::close(fd);
    ::unlink(temporary.c_str());
    throw std::runtime_error(temporary + ": cannot " + what + ": " + ec.message());
  };
  // Owner first (chown may clear set-id bits), then the mode, both before the first byte:
  // the config holds passwords, so no other user may read it even for a moment.
  if (exists && ::geteuid() == 0 && ::fchown(fd, original.st_uid, original.st_gid) != 0) {
    fail("give it the config file's owner");
  }
  if (::fchmod(fd, mode) != 0) {
    fail("give it the config file's mode");
  }
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    fail("sync");
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::error_code ec(errno, std::generic_category());
    ::unlink(temporary.c_str());
    throw std::runtime_error(path.string() + ": cannot replace: " + ec.message());
  }
}

// `feedpop opml import FILE` / `feedpop opml export`: migration from and to other readers.
void add_opml_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand("opml", "Import feeds from OPML, or export them as OPML 2.0");
  cmd->require_subcommand(1);

  auto* import = cmd->add_subcommand(
      "import", "Add an OPML file's feeds to the config file (comments kept; duplicate URLs "
                "skipped; folders become tags)");
  auto file = std::make_shared<std::string>(); // outlives parsing: owned by the callback
  import->add_option("FILE", *file, "OPML file exported by another reader")->required();
  import->callback([&global, &status, file] {
    try {
      status = import_opml(global.config, *file);
}
catch (const ConfigError& e) {
  std::cerr << e.what() << '\n';
  status = exit_config;
}
catch (const std::exception& e) {
  std::cerr << "feedpop opml import: " << e.what() << '\n';
  status = exit_config;
}
} // namespace feedpop::gateway
);

auto* exporter =
    cmd->add_subcommand("export", "Write the config's feeds as OPML 2.0 to standard output");
exporter->callback([&global, &status] {
  try {
    std::vector<std::string> skipped;
    std::cout << write_opml(load_config(global.config), skipped);
    for (const auto& s : skipped) {
      std::cerr << "feedpop opml export: left out " << s << '\n';
    }
    status = exit_ok;
  } catch (const ConfigError& e) {
    std::cerr << e.what() << '\n';
    status = exit_config;
  }
});
}

} // namespace feedpop::gateway
