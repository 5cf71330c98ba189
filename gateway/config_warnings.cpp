#include "gateway/config_warnings.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/exceptions.h>

#include "gateway/config_tree.hpp"

namespace feedpop::gateway {
namespace {

// Users whose `password:` is written in the file itself (password_env and scram are not
// plaintext in the file). Read from the YAML again: Config keeps the plaintext whatever its
// origin. A file that cannot be read now yields nothing (the config was loaded already).
std::vector<std::string> plaintext_in_file(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    const ConfigTree tree = ConfigTree::parse(text.str());
    const ConfigNode root = tree.root();
    for (const auto [section, users] : root.pairs()) {
      if (section.scalar() != "users") {
        continue;
      }
      for (const auto [name, user] : users.pairs()) {
        for (const auto [key, value] : user.pairs()) {
          if (key.scalar() == "password") {
            out.emplace_back(name.scalar());
            break;
          }
        }
      }
      break; // yaml-cpp's lookup finds the first of repeated keys
    }
  } catch (const YAML::Exception&) {
    out.clear();
  }
  return out;
}

} // namespace

std::vector<std::string> config_warnings(const Config& config) {
  std::vector<std::string> out;
  for (const auto& [name, user] : config.users) {
    if (user.password == example_password) {
      out.push_back(fmt::format(
          "user '{}' still has the example's password '{}': anyone who read feeds.example.yaml "
          "can read that mailbox; give it its own (password_env, or scram from `feedpop "
          "passwd`) before opening POP3 to the network",
          name, example_password));
    }
  }
  struct stat st {};
  if (!config.source.empty() && ::stat(config.source.c_str(), &st) == 0 &&
      (st.st_mode & S_IROTH) != 0) {
    const auto users = plaintext_in_file(config.source);
    if (!users.empty()) {
      out.push_back(fmt::format(
          "{} holds plaintext passwords (users {}) and every local user may read it (mode "
          "{:04o}): `chmod o-r {}`, or use password_env / scram instead",
          config.source.string(), fmt::join(users, ", "), st.st_mode & 07777,
          config.source.string()));
    }
  }
  return out;
}

void print_config_warnings(const Config& config, std::ostream& out) {
  for (const auto& warning : config_warnings(config)) {
    out << "warning: " << warning << '\n';
  }
}

} // namespace feedpop::gateway
