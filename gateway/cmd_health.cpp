#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "gateway/commands.hpp"
#include "gateway/health_probe.hpp"

namespace feedpop::gateway {

// `feedpop health`: exit 0 when a POP3 greeting "+OK" arrives, 1 otherwise (Docker's
// HEALTHCHECK contract: 0 healthy, 1 unhealthy).
void add_health_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand(
      "health", "Check that a POP3 server answers +OK on host:port (exit 0 healthy, 1 not)");
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1110;
    double timeout = 5.0;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("--host", opts->host, "Host to connect to")->capture_default_str();
  cmd->add_option("--port", opts->port, "POP3 port (plain, not POP3S)")->capture_default_str();
  cmd->add_option("--timeout", opts->timeout, "Seconds to wait for the greeting")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing");
  cmd->callback([opts, &status] {
    const auto timeout = std::chrono::milliseconds(static_cast<long>(opts->timeout * 1000));
    const HealthResult r = probe_pop3(opts->host, opts->port, timeout);
    if (!opts->quiet) {
      (r.ok ? std::cout : std::cerr) << (r.ok ? "healthy: " : "unhealthy: ") << opts->host << ':'
                                     << opts->port << ": " << r.detail << '\n';
    }
    status = r.ok ? exit_ok : 1;
  });
}

} // namespace feedpop::gateway
