#include "web/server.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include "common/listener_health.hpp"

namespace feedpop::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Lets shutdown() close a connection's socket on the connection's own strand, and only
// while the connection still exists.
struct Slot {
  beast::tcp_stream* stream = nullptr; // reset by the connection when it ends
};

} // namespace

struct Server::Impl {
  std::shared_ptr<Handler> handler;
  std::shared_ptr<asio::ssl::context> tls;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  ListenerHealth listeners; // for /healthz: is each acceptor accepting?
  std::mutex lifecycle;
  bool started = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};

  std::mutex conn_mutex;
  std::condition_variable conn_cv;
  std::size_t total = 0;
  std::uint64_t next_id = 0;
  std::unordered_map<std::uint64_t, std::pair<asio::any_io_executor, std::shared_ptr<Slot>>> open;

  // Last member, so destroyed first: coroutine frames it still holds are destroyed while
  // the members above, which they use, are alive.
  asio::io_context io;

  asio::awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor, bool tls,
                                    ListenerHealth::Listener* health);
  asio::awaitable<void> connection(tcp::socket socket, bool tls);
  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, beast::tcp_stream& transport, const Peer& peer);
};

namespace {

asio::ip::address parse_host(const std::string& host) {
  if (host == "localhost") {
    return asio::ip::make_address("127.0.0.1");
  }
  if (host.empty() || host == "*") {
    return asio::ip::make_address("::");
  }
  error_code ec;
  auto a = asio::ip::make_address(
      host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host, ec);
  if (ec) {
    throw std::runtime_error("web: cannot listen on \"" + host + "\": not an IP address");
  }
  return a;
}

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

// Maps a failed read to the reply it deserves; nullopt: just close (EOF, timeout, reset).
std::optional<http::status> read_error_status(const error_code& ec) {
  if (ec == http::error::header_limit) {
    return http::status::request_header_fields_too_large;
  }
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
    return http::status::payload_too_large;
  }
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message) {
    return http::status::bad_request;
  }
  return std::nullopt;
}

} // namespace

template <class Stream>
asio::awaitable<void> Server::Impl::serve(Stream& stream, beast::tcp_stream& transport,
                                          const Peer& peer) {
  const auto& o = handler->options();
  beast::flat_buffer buffer(o.max_header_bytes + o.max_body_bytes + 4096);
  error_code ec;
  for (bool first = true;; first = false) {
    if (!first && buffer.size() == 0) {
      // Keep-alive: the next request may start within idle_timeout; from its first byte
      // on, read_timeout applies as for the first request.
      transport.expires_after(o.idle_timeout);
      const auto n = co_await stream.async_read_some(buffer.prepare(1024),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      buffer.commit(n);
    }
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(o.max_header_bytes));
    parser.body_limit(o.max_body_bytes);
    transport.expires_after(o.read_timeout);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (const auto status = read_error_status(ec)) {
        auto r = text_response(*status, http::obsolete_reason(*status));
        transport.expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream, r, asio::redirect_error(asio::use_awaitable, ec));
      }
      co_return;
    }
    auto reply = handler->handle(parser.get(), peer);
    if (reply.delay.count() > 0) {
      asio::steady_timer timer(transport.get_executor(), reply.delay);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (stopping) {
      reply.response.keep_alive(false);
    }
    transport.expires_after(o.idle_timeout);
    co_await http::async_write(stream, reply.response,
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !reply.response.keep_alive()) {
      co_return;
    }
  }
}

asio::awaitable<void> Server::Impl::connection(tcp::socket socket, bool tls_conn) {
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  Peer peer{ec ? "?" : remote.address().to_string(), !ec && is_loopback(remote.address()),
            tls_conn};
  beast::tcp_stream stream_tcp(std::move(socket));
  auto slot = std::make_shared<Slot>(Slot{&stream_tcp});
  std::uint64_t id = 0;
  {
    std::lock_guard lock(conn_mutex);
    id = next_id++;
    open.emplace(id, std::make_pair(stream_tcp.get_executor(), slot));
  }
  struct Release {
    Impl* self;
    std::uint64_t id;
    Slot* slot;
    ~Release() {
      slot->stream = nullptr;
      std::lock_guard lock(self->conn_mutex);
      self->open.erase(id);
      --self->total;
      self->conn_cv.notify_all();
    }
  } release{this, id, slot.get()};

  if (!tls_conn) {
    co_await serve(stream_tcp, stream_tcp, peer);
    stream_tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
    co_return;
  }
  std::shared_ptr<asio::ssl::context> ctx = tls;
  beast::ssl_stream<beast::tcp_stream&> stream(stream_tcp, *ctx);
  stream_tcp.expires_after(handler->options().read_timeout);
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return;
  }
  co_await serve(stream, stream_tcp, peer);
  stream_tcp.expires_after(std::chrono::seconds(2));
  co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> Server::Impl::accept_loop(std::shared_ptr<tcp::acceptor> acceptor,
                                                bool tls_conn, ListenerHealth::Listener* health) {
  for (;;) {
    tcp::socket socket(asio::make_strand(io));
    error_code ec;
    co_await acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (stopping || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning; logged once per outage.
      if (health->failed(ec.message())) {
        spdlog::warn("web: {}: accept failed, retrying: {}", health->name(), ec.message());
      }
      asio::steady_timer t(io, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (health->accepted()) {
      spdlog::info("web: {}: accepting again", health->name());
    }
    {
      std::lock_guard lock(conn_mutex);
      if (total >= handler->options().max_connections) {
        socket.close(ec); // over the limit: refused at once, nothing read
        continue;
      }
      ++total;
    }
    socket.set_option(tcp::no_delay(true), ec);
    const auto ex = socket.get_executor();
    asio::co_spawn(ex, connection(std::move(socket), tls_conn), [](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex2) {
          spdlog::error("web: connection failed: {}", ex2.what());
        }
      }
    });
  }
}

Server::Server(std::shared_ptr<Handler> handler, std::shared_ptr<asio::ssl::context> tls)
    : impl_(std::make_unique<Impl>()) {
  if (!handler) {
    throw std::invalid_argument("web::Server needs a handler");
  }
  impl_->handler = std::move(handler);
  impl_->tls = std::move(tls);
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
    throw std::logic_error("web::Server::start called twice");
  }
  auto& s = *impl_;
  const auto& o = s.handler->options();
  if (!o.tls_listen.empty() && !s.tls) {
    throw std::runtime_error("web: tls_listen needs a TLS certificate");
  }
  std::vector<BoundEndpoint> bound;
  auto listen = [&](const Endpoint& ep, bool tls_conn) {
    const tcp::endpoint endpoint(parse_host(ep.host), ep.port);
    auto acceptor = std::make_shared<tcp::acceptor>(asio::make_strand(s.io));
    error_code ec;
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
                              "web: cannot listen on " + ep.host + ":" + std::to_string(ep.port));
    }
    const auto local = acceptor->local_endpoint();
    bound.push_back({{local.address().to_string(), local.port()}, tls_conn});
    s.acceptors.push_back(acceptor);
    auto& health = s.listeners.add(std::string(tls_conn ? "HTTPS" : "HTTP") + " listener " +
                                   ep.host + ":" + std::to_string(local.port()));
    asio::co_spawn(acceptor->get_executor(), s.accept_loop(acceptor, tls_conn, &health),
                   asio::detached);
  };
  for (const auto& ep : o.listen) {
    listen(ep, false);
  }
  for (const auto& ep : o.tls_listen) {
    listen(ep, true);
  }
  s.work.emplace(s.io.get_executor());
  for (unsigned i = 0; i < std::max(1u, o.threads); ++i) {
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.io.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("web: io thread: {}", e.what());
        }
      }
    });
  }
  s.started = true;
  return bound;
}

void Server::shutdown(std::chrono::milliseconds grace) {
  std::lock_guard guard(impl_->lifecycle);
  auto& s = *impl_;
  if (!s.started || s.stopped) {
    s.stopped = true;
    return;
  }
  s.stopped = true;
  s.stopping = true;
  for (auto& acceptor : s.acceptors) {
    asio::post(acceptor->get_executor(), [acceptor] {
      error_code ec;
      acceptor->close(ec);
    });
  }
  {
    std::unique_lock lock(s.conn_mutex);
    s.conn_cv.wait_for(lock, grace, [&] { return s.total == 0; });
    for (auto& [id, entry] : s.open) {
      asio::post(entry.first, [slot = entry.second] {
        if (slot->stream != nullptr) {
          slot->stream->close();
        }
      });
    }
    s.conn_cv.wait_for(lock, std::chrono::seconds(5), [&] { return s.total == 0; });
  }
  s.work.reset();
  s.io.stop();
  for (auto& t : s.threads) {
    t.join();
  }
  s.threads.clear();
  s.acceptors.clear();
}

std::vector<std::string> Server::listener_problems() const {
  return impl_->listeners.problems();
}

std::size_t Server::connections() const {
  std::lock_guard lock(impl_->conn_mutex);
  return impl_->total;
}

} // namespace feedpop::web
