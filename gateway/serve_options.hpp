#pragma once
// What `serve` derives from the config before it starts anything: each server's options,
// the TLS files, listen-address overrides, and the log lines of the startup summary.

#include <optional>
#include <string>
#include <vector>

#include "gateway/app.hpp"
#include "gateway/config.hpp"
#include "gateway/tls_cert.hpp"
#include "pop3/server.hpp"
#include "smtp/server.hpp"
#include "web/server.hpp"

namespace feedpop::gateway {

smtp::ServerOptions smtp_options(const Config& c);
pop3::ServerOptions server_options(const Config& c);
// The web server's options: its listeners and limits, and the mail settings it hands to
// mail clients (the bound POP3 ports, the certificate's fingerprint).
web::Options web_options(const Config& c, const StartupFacts& facts);
// The certificate, when anything uses one: a configured pair (STLS and POP3S), or the
// local CA's when there is a POP3S listener. Without either nothing is generated (nodes
// behind a TLS proxy share data_dir without one) and STLS is not offered.
std::optional<TlsFiles> tls_files(const Config& c);
std::string cert_origin(const TlsFiles& tls);
std::string show(const ListenAddress& a);
std::string show(const pop3::Endpoint& e);
template <class Map> std::vector<std::string> keys_of(const Map& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) {
    out.push_back(k);
  }
  return out;
}
std::string listed(const std::vector<std::string>& items);
std::vector<std::string> minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b);
void log_warnings(const Config& config);

} // namespace feedpop::gateway
