#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "gateway/commands.hpp"
#include "gateway/health_probe.hpp"

namespace feedpop::gateway {

// `feedpop health`: exit 0 when a POP3 greeting "+OK" arrives (or, with --url, when the
// web server's /healthz answers 200), 1 otherwise (Docker's HEALTHCHECK contract: 0
// healthy, 1 unhealthy).
void add_health_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand(
      "health", "Check that a POP3 server answers +OK on host:port, or with --url that "
                "/healthz answers 200 (exit 0 healthy, 1 not)");
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1110;
    std::string url;
    double timeout = 5.0;
    bool quiet = false;
  };
  auto opts = std::make_shared<Options>();
  cmd->add_option("--host", opts->host, "Host to connect to")->capture_default_str();
  cmd->add_option("--port", opts->port, "POP3 port (plain, not POP3S)")->capture_default_str();
  cmd->add_option("--url", opts->url,
                  "Ask the web server instead, e.g. http://127.0.0.1:8080/healthz (its 503 "
                  "names each problem: store, fetcher, a listener down)");
  cmd->add_option("--timeout", opts->timeout, "Seconds to wait for the greeting")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing");
  cmd->callback([opts, &status] {
    const auto timeout = std::chrono::milliseconds(static_cast<long>(opts->timeout * 1000));
    const bool web = !opts->url.empty();
    const HealthResult r =
        web ? probe_http(opts->url, timeout) : probe_pop3(opts->host, opts->port, timeout);
    if (!opts->quiet) {
      const auto target = web ? opts->url : opts->host + ':' + std::to_string(opts->port);
      (r.ok ? std::cout : std::cerr)
          << (r.ok ? "healthy: " : "unhealthy: ") << target << ": " << r.detail << '\n';
    }
    status = r.ok ? exit_ok : 1;
  });
}

} // namespace feedpop::gateway
