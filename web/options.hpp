#pragma once
// What the web server is told by the gateway: where to listen, its limits, who may scrape
// /metrics, and the mail settings it hands to mail clients. Plain data.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedpop::web {

struct Endpoint {
  std::string host;       // "127.0.0.1", "::1", "0.0.0.0", "::", "localhost"
  std::uint16_t port = 0; // 0: any free port (see Server::start()'s result)
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// The servers a mail client should use (autoconfig, autodiscover, .mobileconfig, the
// status page). A port of 0 means "not offered".
struct MailSetup {
  std::string domain = "localhost"; // addresses are user@domain
  std::string display_name = "feedpop";
  std::string pop3_host = "localhost";
  std::uint16_t pop3_port = 0;  // plain POP3 with STLS (socketType STARTTLS)
  std::uint16_t pop3s_port = 0; // implicit TLS (socketType SSL)
  std::string smtp_host = "localhost";
  std::uint16_t submission_port = 0;  // STARTTLS (587)
  std::uint16_t submissions_port = 0; // implicit TLS (465)
  std::string certificate_sha256;     // "AB:CD:..." of the TLS certificate, empty if none
};

// Whether the sign-in form accepts a password over plain HTTP (as POP3's plaintext_auth).
enum class PlainSignIn { never, local, always };

struct Options {
  std::vector<Endpoint> listen;     // plain HTTP
  std::vector<Endpoint> tls_listen; // HTTPS; needs a TLS context
  std::size_t max_connections = 1000;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 64 * 1024;
  // A request's header (and its body) must arrive within this long after the connection
  // opened or the previous response went out, whatever trickles in (slowloris).
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds idle_timeout{60}; // keep-alive: wait this long for the next request
  std::chrono::seconds session_ttl{12 * 3600};
  std::size_t max_sessions = 10000; // signed-in and pre-sign-in sessions together
  // /metrics from other than loopback needs "Authorization: Bearer <token>".
  std::optional<std::string> metrics_token;
  PlainSignIn plain_sign_in = PlainSignIn::local;     // local: loopback peers only
  std::chrono::milliseconds auth_failure_delay{1000}; // first failure; doubles per address
  std::chrono::milliseconds max_auth_failure_delay{15000};
  unsigned threads = 1;
  MailSetup mail;
};

} // namespace feedpop::web
