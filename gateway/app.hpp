#pragma once
// `feedpop serve`: the fetcher thread and the POP3 server, wired from feeds.yaml, with
// live reload (ConfigWatcher + SIGHUP) and a clean SIGTERM/SIGINT shutdown.
//
// Lifecycle of run(): block SIGTERM/SIGINT/SIGHUP (every thread started later inherits
// the mask, so only run() sees them, via sigwait) → load the config → TLS certificate →
// writer Store (migrates) → POP3 server bound → fetcher started (config feeds and users'
// own) → SMTP submission bound (control mail, gateway/control_mail.hpp) → startup summary →
// wait for signals. SIGHUP or an edit of the file reloads; SIGTERM/SIGINT stops accepting,
// lets sessions QUIT for pop3.grace_period while the fetcher aborts its transfers (a
// poll's entries are committed in one transaction or not at all), and returns 0.
//
// Errors: an invalid config at start returns exit_config; an unbindable port, an
// unopenable database or certificate returns exit_runtime, each with one log line.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace feedpop::gateway {

// Command-line settings that win over feeds.yaml, at start and at every reload (the
// Docker image uses them: inside a container the server listens on every interface and
// keeps its state in /data, whatever the mounted feeds.yaml says).
struct ServeOverrides {
  std::vector<std::string> listen; // "0.0.0.0:1110", "[::]:1110"; "none" = no listener
  std::vector<std::string> tls_listen;
  std::optional<std::filesystem::path> data_dir;
  std::optional<std::string> log_level;
};

// Applies the overrides; throws ConfigError for an unparsable address.
void apply_overrides(Config& config, const ServeOverrides& overrides);

// The multi-line summary logged at start: listeners, TLS certificate and fingerprint,
// feeds, users, and how to point a mail client at it.
struct StartupFacts {
  std::vector<std::string> plain;    // bound "host:port" with STLS
  std::vector<std::string> implicit; // bound "host:port" POP3S
  std::string cert;                  // empty: no TLS
  std::string fingerprint;
  std::string cert_origin; // "configured", or "signed by the local CA …"
  std::string not_after;
  std::vector<std::string> smtp_plain;    // bound "host:port" submission with STARTTLS
  std::vector<std::string> smtp_implicit; // bound "host:port" submission over TLS
};
std::vector<std::string> startup_summary(const Config& config, const StartupFacts& facts);

int run_server(const std::filesystem::path& config_file, const ServeOverrides& overrides);

} // namespace feedpop::gateway
