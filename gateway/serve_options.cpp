#include "gateway/serve_options.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "gateway/config_warnings.hpp"

namespace feedpop::gateway {

namespace fs = std::filesystem;

namespace {

std::vector<ListenAddress> parse_addresses(const std::vector<std::string>& texts,
                                           const char* option) {
  std::vector<ListenAddress> out;
  for (const auto& text : texts) {
    if (text == "none") {
      continue;
    }
    const auto addr = parse_listen_address(text);
    if (!addr) {
      throw ConfigError(
          fmt::format("{} {}: expected HOST:PORT, e.g. 0.0.0.0:1110 or [::]:1110", option, text));
    }
    out.push_back(*addr);
  }
  return out;
}

} // namespace

std::string show(const ListenAddress& a) {
  return a.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", a.host, a.port)
                                               : fmt::format("{}:{}", a.host, a.port);
}

std::string show(const pop3::Endpoint& e) {
  return show(ListenAddress{e.host, e.port});
}

namespace {

std::vector<pop3::Endpoint> endpoints(const std::vector<ListenAddress>& addrs) {
  std::vector<pop3::Endpoint> out;
  for (const auto& a : addrs) {
    out.push_back({a.host, a.port});
  }
  return out;
}

pop3::PlaintextAuth to_pop3(PlaintextAuth p) {
  switch (p) {
  case PlaintextAuth::never:
    return pop3::PlaintextAuth::never;
  case PlaintextAuth::always:
    return pop3::PlaintextAuth::always;
  case PlaintextAuth::local:
    break;
  }
  return pop3::PlaintextAuth::local;
}

} // namespace

smtp::ServerOptions smtp_options(const Config& c) {
  smtp::ServerOptions o;
  for (const auto& a : c.smtp.listen) {
    o.listen.push_back({a.host, a.port});
  }
  for (const auto& a : c.smtp.tls_listen) {
    o.tls_listen.push_back({a.host, a.port});
  }
  o.hostname = c.hostname;
  o.threads = 2; // control mail is rare; discovery fetches block one thread at most
  switch (c.pop3.plaintext_auth) {
  case PlaintextAuth::never:
    o.plaintext_auth = smtp::PlaintextAuth::never;
    break;
  case PlaintextAuth::always:
    o.plaintext_auth = smtp::PlaintextAuth::always;
    break;
  case PlaintextAuth::local:
    o.plaintext_auth = smtp::PlaintextAuth::local;
    break;
  }
  o.max_message_size = c.smtp.max_message_size;
  return o;
}

pop3::ServerOptions server_options(const Config& c) {
  pop3::ServerOptions o;
  o.listen = endpoints(c.pop3.listen);
  o.tls_listen = endpoints(c.pop3.tls_listen);
  o.hostname = c.hostname;
  o.max_connections = c.pop3.max_connections;
  o.max_per_address = c.pop3.max_per_address;
  o.descriptor_reserve = 64 + c.fetch.concurrency; // the store, and a socket per fetch
  o.idle_timeout = c.pop3.idle_timeout;
  o.login_timeout = c.pop3.login_timeout;
  o.threads = c.pop3.threads;
  o.plaintext_auth = to_pop3(c.pop3.plaintext_auth);
  o.lock_session = c.pop3.lock_session;
  return o;
}

web::Options web_options(const Config& c, const StartupFacts& facts) {
  web::Options o;
  for (const auto& a : c.web.listen) {
    o.listen.push_back({a.host, a.port});
  }
  for (const auto& a : c.web.tls_listen) {
    o.tls_listen.push_back({a.host, a.port});
  }
  o.max_connections = c.web.max_connections;
  o.metrics_token = c.web.metrics_token;
  o.plain_sign_in = c.pop3.plaintext_auth == PlaintextAuth::never    ? web::PlainSignIn::never
                    : c.pop3.plaintext_auth == PlaintextAuth::always ? web::PlainSignIn::always
                                                                     : web::PlainSignIn::local;
  o.mail.domain = c.hostname;
  o.mail.pop3_host = c.hostname;
  o.mail.smtp_host = c.hostname;
  auto port_of = [](const std::vector<std::string>& bound) -> std::uint16_t {
    return bound.empty() ? 0
                         : static_cast<std::uint16_t>(
                               std::stoul(bound.front().substr(bound.front().rfind(':') + 1)));
  };
  o.mail.pop3_port = facts.cert.empty() ? 0 : port_of(facts.plain);
  o.mail.pop3s_port = port_of(facts.implicit);
  o.mail.certificate_sha256 = facts.fingerprint;
  return o;
}

std::optional<TlsFiles> tls_files(const Config& c) {
  const bool configured = c.pop3.tls_cert && c.pop3.tls_key;
  if (!configured && c.pop3.tls_listen.empty() && c.smtp.tls_listen.empty()) {
    return std::nullopt;
  }
  return ensure_tls_certificate(c.pop3.tls_cert, c.pop3.tls_key, c.data_dir, c.hostname);
}

std::string cert_origin(const TlsFiles& tls) {
  if (!tls.ca) {
    return "configured";
  }
  return fmt::format("signed by the local CA {}{}", tls.ca->string(),
                     tls.ca_generated ? ", created now: trust it once in mail clients"
                     : tls.generated  ? ", issued now"
                                      : "");
}

std::vector<std::string> minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string listed(const std::vector<std::string>& items) {
  // A hosted gateway has 100,000 feeds: the log names the first ones and counts the rest.
  constexpr std::size_t shown = 30;
  if (items.empty()) {
    return "none";
  }
  if (items.size() <= shown) {
    return fmt::format("{}", fmt::join(items, ", "));
  }
  return fmt::format("{}, … and {} more", fmt::join(items.begin(), items.begin() + shown, ", "),
                     items.size() - shown);
}

void log_warnings(const Config& config) {
  for (const auto& warning : config_warnings(config)) {
    spdlog::warn("{}", warning);
  }
}

void apply_overrides(Config& config, const ServeOverrides& overrides) {
  if (!overrides.listen.empty()) {
    config.pop3.listen = parse_addresses(overrides.listen, "--listen");
  }
  if (!overrides.tls_listen.empty()) {
    config.pop3.tls_listen = parse_addresses(overrides.tls_listen, "--tls-listen");
  }
  if (overrides.data_dir) {
    config.data_dir = fs::absolute(*overrides.data_dir);
  }
  if (overrides.log_level) {
    config.log_level = *overrides.log_level;
  }
}

std::vector<std::string> startup_summary(const Config& c, const StartupFacts& f) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("feedpop {} serving {}", FEEDPOP_VERSION, c.source.string()));
  lines.push_back(fmt::format("  POP3 (STARTTLS): {}", listed(f.plain)));
  lines.push_back(fmt::format("  POP3S (TLS):     {}", listed(f.implicit)));
  lines.push_back(fmt::format("  SMTP (STARTTLS): {}", listed(f.smtp_plain)));
  lines.push_back(fmt::format("  SMTPS (TLS):     {}", listed(f.smtp_implicit)));
  if (f.cert.empty()) {
    lines.push_back(
        "  TLS: none (no pop3.tls, pop3.tls_listen or smtp.tls_listen), STLS and STARTTLS not "
        "offered");
  } else {
    lines.push_back(fmt::format("  TLS certificate: {} ({}, valid until {})", f.cert, f.cert_origin,
                                f.not_after));
    lines.push_back(fmt::format("  SHA-256 fingerprint: {}", f.fingerprint));
  }
  lines.push_back(fmt::format("  data: {}", c.data_dir.string()));
  lines.push_back(fmt::format("  feeds ({}): {}", c.feeds.size(), listed(keys_of(c.feeds))));
  lines.push_back(fmt::format("  users ({}): {}", c.users.size(), listed(keys_of(c.users))));
  const std::string user = c.users.empty() ? std::string("USER") : c.users.begin()->first;
  auto host_port = [](const std::string& bound) {
    const auto colon = bound.rfind(':');
    std::string host = bound.substr(0, colon);
    if (host == "0.0.0.0" || host == "[::]") {
      host = "<this machine's address>";
    }
    return std::pair{host, bound.substr(colon + 1)};
  };
  if (!f.plain.empty()) {
    const auto [host, port] = host_port(f.plain.front());
    lines.push_back(fmt::format("  mail client: POP3 server {} port {}, STARTTLS, user {} "
                                "(or {}{}FEED / {}{}TAG for one feed or tag)",
                                host, port, user, user, c.pop3.view_separator, user,
                                c.pop3.view_separator));
  }
  if (!f.implicit.empty()) {
    const auto [host, port] = host_port(f.implicit.front());
    lines.push_back(fmt::format("  mail client: or POP3 server {} port {}, SSL/TLS{}", host, port,
                                f.cert_origin == "configured"
                                    ? std::string()
                                    : "; trust the local CA once (README \"The certificate\")"));
  }
  for (const auto& address : f.web) {
    lines.push_back(fmt::format("  mail client: automatic setup (Thunderbird, Outlook, Apple) and "
                                "status page at {}/",
                                address));
  }
  return lines;
}

} // namespace feedpop::gateway
