// `feedpop [--config FILE] purge-user NAME [--force]`: forgets a user's mailbox state
// (their deletions). Removing a user from feeds.yaml keeps that state on purpose — a
// mistyped or temporarily edited config must not resurrect a user's deleted mail — so
// dropping it is this explicit command (issue 5).
#include <filesystem>
#include <iostream>
#include <memory>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/store_open.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

namespace {

int purge_user(const GlobalOptions& global, const std::string& name, bool force) {
  Config config;
  try {
    config = load_config(global.config);
  } catch (const ConfigError& e) {
    std::cerr << e.what() << '\n';
    return exit_config;
  }
  if (config.users.contains(name) && !force) {
    std::cerr << "feedpop: user " << name << " is still in " << config.source.string()
              << "; their deleted mail would reappear. Remove them from the config first, or "
                 "pass --force\n";
    return exit_config;
  }
  if (!store_exists(config)) {
    std::cout << "no database at " << store_description(config) << ": nothing to purge\n";
    return exit_ok;
  }
  try {
    auto store = open_store(config, storage::Role::reader);
    store->purge_user(name);
  } catch (const storage::StoreError& e) {
    std::cerr << "feedpop: " << e.what() << '\n';
    return exit_runtime;
  }
  std::cout << "purged the mailbox state of user " << name << '\n';
  return exit_ok;
}

} // namespace

void add_purge_user_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand("purge-user", "Forget a user's mailbox state (their deletions)");
  auto name = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("NAME", *name, "The user to forget")->required();
  cmd->add_flag("--force", *force, "Also purge a user who is still in the config");
  cmd->callback([&global, &status, name, force] { status = purge_user(global, *name, *force); });
}

} // namespace feedpop::gateway
