#include <iostream>

#include "gateway/commands.hpp"

namespace feedpop::gateway {

// Placeholder until the command is implemented; exits with exit_runtime.
void add_purge_user_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand("purge-user", "(not yet implemented)");
  cmd->callback([&status] {
    std::cerr << "feedpop: purge-user is not implemented yet\n";
    status = exit_runtime;
  });
}

} // namespace feedpop::gateway
