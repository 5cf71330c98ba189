#pragma once
// `feedpop health`: is a POP3 server answering on host:port? Connects, reads the greeting
// (RFC 1939 §4: it starts with "+OK"), sends QUIT. With --url, asks the web server's
// /healthz instead (200: healthy; 503 lists what is wrong). Used by the Docker HEALTHCHECK.

#include <chrono>
#include <cstdint>
#include <string>

namespace feedpop::gateway {

struct HealthResult {
  bool ok = false;
  std::string detail; // the greeting, or why it failed
};

// Never throws; every failure (resolution, refused, timeout, "-ERR") is a result.
HealthResult probe_pop3(const std::string& host, std::uint16_t port,
                        std::chrono::milliseconds timeout);

// GET `url` (http://HOST[:PORT]/PATH; no TLS: the check runs next to the server, on
// loopback). Healthy on 200; the detail is "HTTP CODE: body lines joined by '; '".
HealthResult probe_http(const std::string& url, std::chrono::milliseconds timeout);

} // namespace feedpop::gateway
