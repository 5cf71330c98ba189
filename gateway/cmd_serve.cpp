#include <iostream>

#include "gateway/commands.hpp"

namespace feedpop::gateway {

// Placeholder until the command is implemented; exits with exit_runtime.
void add_serve_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand("serve", "(not yet implemented)");
  cmd->callback([&status] {
    std::cerr << "feedpop: serve is not implemented yet\n";
    status = exit_runtime;
  });
}

int run_serve(const GlobalOptions& /*global*/) {
  std::cerr << "feedpop: serve is not implemented yet\n";
  return exit_runtime;
}
} // namespace feedpop::gateway
