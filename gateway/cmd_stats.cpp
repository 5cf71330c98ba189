#include <iostream>

#include "gateway/commands.hpp"

namespace feedpop::gateway {

// Placeholder until the command is implemented; exits with exit_runtime.
void add_stats_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand("stats", "(not yet implemented)");
  cmd->callback([&status] {
    std::cerr << "feedpop: stats is not implemented yet\n";
    status = exit_runtime;
  });
}

} // namespace feedpop::gateway
