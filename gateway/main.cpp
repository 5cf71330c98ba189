#include <cstdlib>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "gateway/commands.hpp"

int main(int argc, char** argv) {
  using namespace feedpop::gateway;
  CLI::App app{"feedpop — RSS, Atom and JSON feeds served as POP3 mailboxes", "feedpop"};
  app.set_version_flag("-V,--version", std::string("feedpop ") + FEEDPOP_VERSION);
  app.require_subcommand(0, 1);

  GlobalOptions global;
  if (const char* env = std::getenv("FEEDPOP_CONFIG"); env != nullptr && *env != '\0') {
    global.config = env;
  } else {
    global.config = "feeds.yaml";
  }
  app.add_option("-c,--config", global.config,
                 "Configuration file (default: $FEEDPOP_CONFIG, then ./feeds.yaml)");
  app.add_option("--log-format", global.log_format, "Log format: auto, human or json")
      ->check(CLI::IsMember({"auto", "human", "json"}));
  app.add_option("--log-level", global.log_level,
                 "Log level: trace, debug, info, warn, error (overrides the config)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.footer("Exit status: 0 success, 1 invalid configuration or usage, 2 fetch --once with "
             "failed feeds, 3 runtime failure.\nWithout a command, feedpop runs `serve`.");

  int status = exit_ok;
  add_serve_command(app, global, status);
  add_fetch_command(app, global, status);
  add_parse_command(app, global, status);
  add_extract_command(app, global, status);
  add_render_command(app, global, status);
  add_check_command(app, global, status);
  add_stats_command(app, global, status);
  add_passwd_command(app, global, status);
  add_purge_user_command(app, global, status);
  add_opml_command(app, global, status);
  add_health_command(app, global, status);
  add_digest_command(app, global, status);

  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      status = run_serve(global);
    }
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : exit_config;
  } catch (const std::exception& e) {
    std::cerr << "feedpop: " << e.what() << '\n';
    return exit_runtime;
  }
  return status;
}
