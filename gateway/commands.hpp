#pragma once
// The feedpop command line (DESIGN.md "User-facing contract"). One file per command
// (cmd_<name>.cpp); each add_*_command registers its CLI11 subcommand and, when it runs,
// stores the process exit status in `status` (see exit statuses in the README).

#include <CLI/CLI.hpp>
#include <string>

namespace feedpop::gateway {

// Documented exit statuses.
inline constexpr int exit_ok = 0;
inline constexpr int exit_config = 1;  // invalid config or usage
inline constexpr int exit_partial = 2; // fetch --once: some feeds failed
inline constexpr int exit_runtime = 3; // environment failure (I/O, database, port)

struct GlobalOptions {
  std::string config;              // --config, else $FEEDPOP_CONFIG, else ./feeds.yaml
  std::string log_format = "auto"; // auto | human | json
  std::string log_level;           // overrides the config's log level when set
};

void add_serve_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_fetch_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_parse_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_extract_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_render_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_check_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_stats_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_passwd_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_purge_user_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_opml_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_health_command(CLI::App& app, const GlobalOptions& global, int& status);
void add_digest_command(CLI::App& app, const GlobalOptions& global, int& status);

// Runs `serve` when no subcommand is given (DESIGN.md: serve is the default command).
int run_serve(const GlobalOptions& global);

} // namespace feedpop::gateway
