#include "pop3/server.hpp"

#include <stdexcept>
#include <system_error>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "common/listener_health.hpp"
#include "pop3/connection.hpp"
#include "pop3/descriptors.hpp"

namespace feedpop::pop3 {

namespace asio = boost::asio;
using detail::tcp;

namespace {

constexpr const char* tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                      "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                      "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

} // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const std::filesystem::path& cert,
                                                     const std::filesystem::path& key) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  // RFC 8996 / RFC 8314 §4.1: TLS 1.2 is the floor.
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  // RFC 9325 §4.2: TLS 1.2 with ECDHE key exchange and AEAD ciphers only (no static RSA
  // key exchange, no CBC, no SHA-1 MACs); TLS 1.3 with its AEAD suites.
  SSL_CTX_set_cipher_list(ctx->native_handle(), tls12_ciphers);
  SSL_CTX_set_ciphersuites(ctx->native_handle(), tls13_ciphersuites);
  // Idle TLS connections give their read/write buffers back (idle memory per connection).
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  try {
    ctx->use_certificate_chain_file(cert.string());
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("TLS certificate " + cert.string() + ": " + e.code().message());
  }
  try {
    ctx->use_private_key_file(key.string(), asio::ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("TLS private key " + key.string() + ": " + e.code().message());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw std::runtime_error("TLS private key " + key.string() + " does not match " +
                             cert.string());
  }
  return ctx;
}

struct Server::Impl {
  std::shared_ptr<detail::ServerState> state = std::make_shared<detail::ServerState>();
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  ListenerHealth listeners; // for /healthz: is each acceptor accepting?
  std::mutex lifecycle;
  bool started = false;
  bool stopped = false;
};

namespace {

asio::ip::address parse_host(const std::string& host) {
  if (host == "localhost") {
    return asio::ip::make_address("127.0.0.1");
  }
  if (host.empty() || host == "*") {
    return asio::ip::make_address("::");
  }
  boost::system::error_code ec;
  auto a = asio::ip::make_address(
      host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on \"" + host + "\": not an IP address");
  }
  return a;
}

asio::awaitable<void> accept_loop(detail::ServerState* state,
                                  std::shared_ptr<tcp::acceptor> acceptor, bool implicit_tls,
                                  ListenerHealth::Listener* health) {
  for (;;) {
    tcp::socket socket(asio::make_strand(state->io));
    boost::system::error_code ec;
    co_await acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (state->stopping || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning; logged once per outage.
      if (health->failed(ec.message())) {
        spdlog::warn("pop3: {}: accept failed, retrying: {}", health->name(), ec.message());
      }
      asio::steady_timer t(state->io);
      t.expires_after(std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (health->accepted()) {
      spdlog::info("pop3: {}: accepting again", health->name());
    }
    socket.set_option(tcp::no_delay(true), ec);
    const auto ex = socket.get_executor();
    asio::co_spawn(ex, detail::handle_connection(state, std::move(socket), implicit_tls),
                   [](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex2) {
                         spdlog::error("pop3: connection failed: {}", ex2.what());
                       }
                     }
                   });
  }
}

// Each connection holds a descriptor: more connections than RLIMIT_NOFILE leaves (after
// the reserve for the store and the fetcher) would make accept, SQLite and libcurl fail.
void cap_connections(ServerOptions& o) {
  const auto limit = descriptor_limit();
  if (limit.soft == 0 || limit.soft == RLIM_INFINITY) {
    return;
  }
  const std::size_t open = open_descriptors();
  const std::size_t allowed = connections_allowed(limit.soft, open, o.descriptor_reserve);
  if (allowed < o.max_connections) {
    spdlog::warn("pop3: at most {} connections (pop3.limits.connections is {}): RLIMIT_NOFILE "
                 "is {} (hard {}), {} descriptors open, {} kept for the store and the fetcher; "
                 "raise LimitNOFILE to serve more",
                 allowed, o.max_connections, limit.soft, limit.hard, open, o.descriptor_reserve);
    o.max_connections = allowed;
  }
}

} // namespace

Server::Server(ServerOptions options, std::shared_ptr<Authenticator> authenticator,
               std::shared_ptr<asio::ssl::context> tls)
    : impl_(std::make_unique<Impl>()) {
  auto& s = *impl_->state;
  s.options = std::move(options);
  s.authenticator = std::move(authenticator);
  s.tls = std::move(tls);
  s.locks = std::make_shared<SessionLocks>();
  if (!s.authenticator) {
    throw std::invalid_argument("pop3::Server needs an authenticator");
  }
  // RFC 1939 §3: the autologout timer is at least 10 minutes in TRANSACTION.
  if (s.options.idle_timeout < std::chrono::minutes(10)) {
    s.options.idle_timeout = std::chrono::minutes(10);
  }
  if (s.options.auth_failure_delay < std::chrono::seconds(1)) {
    s.options.auth_failure_delay = std::chrono::seconds(1);
  }
  if (!s.options.throttle) {
    auth::ThrottleOptions t;
    t.failure_delay = s.options.auth_failure_delay;
    t.max_failure_delay = s.options.max_auth_failure_delay;
    s.options.throttle = std::make_shared<auth::Throttle>(t);
  }
  s.hostname = s.options.hostname;
  if (s.hostname.empty()) {
    char name[256] = {};
    s.hostname = ::gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
}

Server::~Server() {
  try {
    shutdown(std::chrono::milliseconds(0));
  } catch (...) {
    // nothing sensible left to do in a destructor
  }
}

std::vector<BoundEndpoint> Server::start() {
  std::lock_guard guard(impl_->lifecycle);
  if (impl_->started) {
    throw std::logic_error("pop3::Server::start called twice");
  }
  auto& s = *impl_->state;
  if (!s.options.tls_listen.empty() && !s.tls) {
    throw std::runtime_error("pop3: tls_listen needs a TLS certificate");
  }
  std::vector<BoundEndpoint> bound;
  auto listen = [&](const Endpoint& ep, bool implicit_tls) {
    const tcp::endpoint endpoint(parse_host(ep.host), ep.port);
    auto acceptor = std::make_shared<tcp::acceptor>(asio::make_strand(s.io));
    boost::system::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (endpoint.address().is_v6()) {
        acceptor->set_option(asio::ip::v6_only(true), ec);
      }
      ec.clear();
      acceptor->bind(endpoint, ec);
    }
    if (!ec) {
      acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      throw std::system_error(ec,
                              "pop3: cannot listen on " + ep.host + ":" + std::to_string(ep.port));
    }
    const auto local = acceptor->local_endpoint();
    bound.push_back({{local.address().to_string(), local.port()}, implicit_tls});
    impl_->acceptors.push_back(acceptor);
    auto& health =
        impl_->listeners.add(std::string(implicit_tls ? "POP3S" : "POP3") + " listener " + ep.host +
                             ":" + std::to_string(local.port()));
    asio::co_spawn(acceptor->get_executor(),
                   accept_loop(impl_->state.get(), acceptor, implicit_tls, &health),
                   asio::detached);
  };
  for (const auto& ep : s.options.listen) {
    listen(ep, false);
  }
  for (const auto& ep : s.options.tls_listen) {
    listen(ep, true);
  }
  cap_connections(s.options);
  impl_->work.emplace(s.io.get_executor());
  unsigned n = s.options.threads != 0 ? s.options.threads : std::thread::hardware_concurrency();
  n = std::max(1u, n);
  for (unsigned i = 0; i < n; ++i) {
    impl_->threads.emplace_back([state = impl_->state] {
      for (;;) {
        try {
          state->io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("pop3: io thread: {}", e.what());
        }
      }
    });
  }
  impl_->started = true;
  return bound;
}

void Server::set_authenticator(std::shared_ptr<Authenticator> authenticator) {
  if (!authenticator) {
    throw std::invalid_argument("pop3::Server needs an authenticator");
  }
  std::lock_guard lock(impl_->state->config_mutex);
  impl_->state->authenticator = std::move(authenticator);
}

void Server::set_tls_context(std::shared_ptr<asio::ssl::context> tls) {
  std::lock_guard lock(impl_->state->config_mutex);
  impl_->state->tls = std::move(tls);
}

void Server::shutdown(std::chrono::milliseconds grace) {
  std::lock_guard guard(impl_->lifecycle);
  if (!impl_->started || impl_->stopped) {
    impl_->stopped = true;
    return;
  }
  impl_->stopped = true;
  auto& s = *impl_->state;
  s.stopping = true;
  for (auto& acceptor : impl_->acceptors) {
    asio::post(acceptor->get_executor(), [acceptor] {
      boost::system::error_code ec;
      acceptor->close(ec);
    });
  }
  {
    std::unique_lock lock(s.conn_mutex);
    s.conn_cv.wait_for(lock, grace, [&] { return s.total == 0; });
    for (auto& [id, close] : s.closers) {
      close();
    }
    s.conn_cv.wait_for(lock, std::chrono::seconds(5), [&] { return s.total == 0; });
  }
  impl_->work.reset();
  s.io.stop();
  for (auto& t : impl_->threads) {
    t.join();
  }
  impl_->threads.clear();
  impl_->acceptors.clear();
}

std::vector<std::string> Server::listener_problems() const {
  return impl_->listeners.problems();
}

ServerStats Server::stats() const {
  auto& s = *impl_->state;
  ServerStats out;
  {
    std::lock_guard lock(s.conn_mutex);
    out.connections = s.total;
  }
  out.accepted = s.accepted;
  out.refused = s.refused;
  out.peak_session_output = s.peak_output;
  out.connection_limit = s.options.max_connections;
  return out;
}

} // namespace feedpop::pop3
