#include <iostream>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/config_warnings.hpp"

namespace feedpop::gateway {

// `feedpop check`: load the config exactly as `serve` would and report the first mistake
// as file:line:col (exit 1), or a one-line summary (exit 0). Nothing is started.
void add_check_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand(
      "check", "Validate the configuration file; errors name file:line:col (exit 1)");
  cmd->callback([&global, &status] {
    try {
      const Config config = load_config(global.config);
      print_config_warnings(config, std::cerr);
      std::cout << global.config << ": ok — " << config.feeds.size()
                << (config.feeds.size() == 1 ? " feed, " : " feeds, ") << config.users.size()
                << (config.users.size() == 1 ? " user" : " users") << '\n';
      status = exit_ok;
    } catch (const ConfigError& e) {
      std::cerr << e.what() << '\n';
      status = exit_config;
    }
  });
}

} // namespace feedpop::gateway
