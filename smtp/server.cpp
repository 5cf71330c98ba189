#include "smtp/server.hpp"

#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "common/listener_health.hpp"
#include "smtp/connection.hpp"

namespace feedpop::smtp {

namespace asio = boost::asio;
using detail::tcp;

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
        spdlog::warn("smtp: {}: accept failed, retrying: {}", health->name(), ec.message());
      }
      asio::steady_timer t(state->io);
      t.expires_after(std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (health->accepted()) {
      spdlog::info("smtp: {}: accepting again", health->name());
    }
    socket.set_option(tcp::no_delay(true), ec);
    const auto ex = socket.get_executor();
    asio::co_spawn(ex, detail::handle_connection(state, std::move(socket), implicit_tls),
                   [](std::exception_ptr e) {
                     if (e) {
                       try {
                         std::rethrow_exception(e);
                       } catch (const std::exception& ex2) {
                         spdlog::error("smtp: connection failed: {}", ex2.what());
                       }
                     }
                   });
  }
}

} // namespace

Server::Server(ServerOptions options, std::shared_ptr<auth::CredentialStore> credentials,
               MessageHandler on_message, std::shared_ptr<asio::ssl::context> tls,
               std::shared_ptr<auth::Throttle> throttle)
    : impl_(std::make_unique<Impl>()) {
  auto& s = *impl_->state;
  s.options = std::move(options);
  s.credentials = std::move(credentials);
  s.on_message = std::move(on_message);
  s.tls = std::move(tls);
  if (!s.credentials || !s.on_message) {
    throw std::invalid_argument("smtp::Server needs credentials and a message handler");
  }
  if (s.options.auth_failure_delay < std::chrono::seconds(1)) {
    s.options.auth_failure_delay = std::chrono::seconds(1);
  }
  if (!throttle) {
    auth::ThrottleOptions t;
    t.failure_delay = s.options.auth_failure_delay;
    t.max_failure_delay = s.options.max_auth_failure_delay;
    throttle = std::make_shared<auth::Throttle>(t);
  }
  s.throttle = std::move(throttle);
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

auth::SaslRegistry& Server::sasl() {
  return *impl_->state->sasl;
}

std::vector<BoundEndpoint> Server::start() {
  std::lock_guard guard(impl_->lifecycle);
  if (impl_->started) {
    throw std::logic_error("smtp::Server::start called twice");
  }
  auto& s = *impl_->state;
  s.sasl_frozen = s.sasl;
  if (!s.options.tls_listen.empty() && !s.tls) {
    throw std::runtime_error("smtp: tls_listen needs a TLS certificate");
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
                              "smtp: cannot listen on " + ep.host + ":" + std::to_string(ep.port));
    }
    const auto local = acceptor->local_endpoint();
    bound.push_back({{local.address().to_string(), local.port()}, implicit_tls});
    impl_->acceptors.push_back(acceptor);
    auto& health =
        impl_->listeners.add(std::string(implicit_tls ? "SMTPS" : "SMTP") + " listener " + ep.host +
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
          spdlog::error("smtp: io thread: {}", e.what());
        }
      }
    });
  }
  impl_->started = true;
  return bound;
}

void Server::set_credentials(std::shared_ptr<auth::CredentialStore> credentials) {
  if (!credentials) {
    throw std::invalid_argument("smtp::Server needs credentials");
  }
  std::lock_guard lock(impl_->state->config_mutex);
  impl_->state->credentials = std::move(credentials);
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
  out.messages = s.messages;
  return out;
}

} // namespace feedpop::smtp
