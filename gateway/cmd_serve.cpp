#include <memory>

#include <spdlog/spdlog.h>

#include "gateway/app.hpp"
#include "gateway/commands.hpp"
#include "gateway/logging.hpp"
#include "pop3/descriptors.hpp"

namespace feedpop::gateway {
namespace {

// Shared by the `serve` subcommand and the default command (no subcommand).
ServeOverrides& overrides() {
  static ServeOverrides o;
  return o;
}

} // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand(
      "serve", "Poll the feeds and serve them over POP3 (the default command); reloads "
               "feeds.yaml on edit or SIGHUP, stops cleanly on SIGTERM/SIGINT");
  auto& o = overrides();
  cmd->add_option("--listen", o.listen,
                  "Plain POP3 listener HOST:PORT, instead of pop3.listen (repeatable; "
                  "\"none\" for none)");
  cmd->add_option("--tls-listen", o.tls_listen,
                  "POP3S listener HOST:PORT, instead of pop3.tls_listen (repeatable; "
                  "\"none\" for none)");
  cmd->add_option("--data-dir", o.data_dir, "State folder, instead of data_dir");
  cmd->callback([&global, &status] { status = run_serve(global); });
}

int run_serve(const GlobalOptions& global) {
  auto& o = overrides();
  if (!global.log_level.empty()) {
    o.log_level = global.log_level;
  }
  setup_logging(log_style_from_option(global.log_format), o.log_level.value_or("info"));
  // systemd's default soft RLIMIT_NOFILE (1024) is below pop3.limits.connections.
  const auto nofile = pop3::raise_descriptor_limit();
  spdlog::debug("RLIMIT_NOFILE {} (hard {})", nofile.soft, nofile.hard);
  return run_server(global.config, o);
}

} // namespace feedpop::gateway
