// One coroutine per connection (STYLE.md §3): the frame owns the stream and the Session;
// no shared_from_this. Admission against the connection limits, TLS (implicit or after
// STLS), the watchdog that closes the socket, and the session log line live here; the
// byte loop is connection_loop.hpp's template, shared by plain TCP, TLS and the tests.
#include <algorithm>
#include <array>
#include <optional>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "pop3/connection.hpp"

namespace feedpop::pop3::detail {
namespace {

using asio::use_awaitable;
using boost::system::error_code;

bool is_loopback(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
  }
  return a.is_loopback();
}

std::string address_text(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
  }
  return a.to_string();
}

// Admission against the connection limits (the total, and per address group); released (and the
// shutdown waiter told) when the connection ends.
class Admission {
public:
  Admission(ServerState& s, std::string address) : state_(s), address_(std::move(address)) {}
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;
  bool admit(std::function<void()> closer) {
    std::lock_guard lock(state_.conn_mutex);
    auto& n = state_.per_address[address_];
    if (state_.total >= state_.options.max_connections || n >= state_.options.max_per_address) {
      if (n == 0) {
        state_.per_address.erase(address_);
      }
      return false;
    }
    ++n;
    ++state_.total;
    id_ = ++state_.next_id;
    state_.closers.emplace(id_, std::move(closer));
    admitted_ = true;
    return true;
  }
  ~Admission() {
    if (!admitted_) {
      return;
    }
    std::lock_guard lock(state_.conn_mutex);
    if (--state_.per_address[address_] == 0) {
      state_.per_address.erase(address_);
    }
    --state_.total;
    state_.closers.erase(id_);
    state_.conn_cv.notify_all();
  }

private:
  ServerState& state_;
  std::string address_;
  std::uint64_t id_ = 0;
  bool admitted_ = false;
};

template <class Stream> asio::awaitable<bool> handshake(Stream& tls, LoopContext& c) {
  c.watchdog.set_deadline(c.login_deadline); // the handshake counts against the login time
  error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::server,
                               asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

} // namespace

std::string address_group(const asio::ip::address& a) {
  if (!a.is_v6() || a.to_v6().is_v4_mapped()) {
    return address_text(a);
  }
  // One IPv6 subscriber usually holds a whole /64 (RFC 6177): counting per address would
  // let one host open max_per_address connections from each of 2^64 addresses.
  auto bytes = a.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

void Watchdog::set_deadline(Clock::time_point deadline) {
  deadline_ = deadline;
  if (!armed_ || deadline_ < timer_.expiry()) {
    armed_ = true;
    timer_.expires_at(deadline_);
    wait();
  }
}

void Watchdog::wait() {
  const auto generation = ++generation_;
  timer_.async_wait([self = shared_from_this(), generation](const error_code& ec) {
    if (self->done_ || generation != self->generation_) {
      return;
    }
    if (ec) {
      self->armed_ = false;
      return;
    }
    if (Clock::now() < self->deadline_) {
      self->timer_.expires_at(self->deadline_);
      self->wait();
      return;
    }
    self->armed_ = false;
    const bool first = !self->fired_;
    self->fired_ = true;
    if (self->on_fire) {
      self->on_fire(first);
    }
  });
}

void Watchdog::stop() {
  done_ = true;
  on_fire = nullptr;
  timer_.cancel();
}

asio::awaitable<void> handle_connection(ServerState* state, tcp::socket socket, bool implicit_tls) {
  const auto started = Clock::now();
  error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) {
    co_return;
  }
  const std::string address = address_text(remote.address());
  const auto executor = socket.get_executor();
  auto watchdog = std::make_shared<Watchdog>(executor);
  tcp::socket* raw = &socket; // the lowest layer, also after it moves into a TLS stream
  auto close_socket = [&raw] {
    error_code ignored;
    raw->shutdown(tcp::socket::shutdown_both, ignored);
    raw->close(ignored);
  };
  // First expiry cancels the pending operation so the loop can say goodbye; a second one
  // (the goodbye stalled, or a write never progressed) closes the socket.
  watchdog->on_fire = [&raw, close_socket](bool first) {
    if (first) {
      error_code ignored;
      raw->cancel(ignored);
    } else {
      close_socket();
    }
  };

  Admission admission(*state, address_group(remote.address()));
  std::weak_ptr<Watchdog> weak = watchdog;
  // Shutdown closes a connection through its strand; the watchdog's `done` flag (set on
  // the strand before the frame goes) makes a late close a no-op.
  const bool admitted = admission.admit([executor, weak] {
    asio::post(executor, [weak] {
      if (auto w = weak.lock()) {
        if (w->on_fire) {
          w->on_fire(false);
        }
      }
    });
  });
  if (!admitted) {
    ++state->refused;
    if (!implicit_tls) {
      static constexpr std::string_view refusal =
          "-ERR [SYS/TEMP] Too many connections, try again later.\r\n";
      co_await asio::async_write(socket, asio::buffer(refusal.data(), refusal.size()),
                                 asio::redirect_error(use_awaitable, ec));
    }
    watchdog->stop();
    close_socket();
    spdlog::info("pop3: refused {} (connection limit)", address);
    co_return;
  }
  ++state->accepted;

  std::shared_ptr<Authenticator> authenticator;
  std::shared_ptr<asio::ssl::context> tls;
  {
    std::lock_guard lock(state->config_mutex);
    authenticator = state->authenticator;
    tls = state->tls;
  }
  SessionOptions so;
  so.hostname = state->hostname;
  so.plaintext_auth = state->options.plaintext_auth;
  so.loopback = is_loopback(remote.address());
  so.tls_active = implicit_tls;
  so.tls_available = tls != nullptr;
  so.max_bad_commands = state->options.max_bad_commands;
  so.max_bad_commands_before_login = state->options.max_bad_commands_before_login;
  so.expire_days = state->options.expire_days;
  if (state->options.lock_session) {
    so.locks = state->locks;
  }
  so.implementation = std::string("feedpop ") + FEEDPOP_VERSION;
  so.max_auth_failures = state->options.max_auth_failures;
  Session session(std::move(so), authenticator, state->sasl);
  LoopContext c{session,
                *watchdog,
                started + state->options.login_timeout,
                state->options.idle_timeout,
                [state, &address](const Session::AuthAttempt& attempt) {
                  return state->options.throttle->attempt(address, attempt.user, attempt.success);
                },
                [state](std::size_t octets) { state->note_output(octets); },
                &state->auth_pool};
  bool tls_used = implicit_tls;
  std::string failure;
  // The TLS stream lives as long as the frame: `raw` points into it, and close_socket()
  // below (or a shutdown closer) must never reach a destroyed socket, whose stale
  // descriptor number may by then belong to another connection.
  std::optional<asio::ssl::stream<tcp::socket>> tls_stream;

  try {
    if (implicit_tls) {
      auto& stream = tls_stream.emplace(std::move(socket), *tls);
      raw = &stream.next_layer();
      if (co_await handshake(stream, c)) {
        session.start();
        co_await run_loop(stream, c);
      } else {
        failure = "TLS handshake failed";
      }
    } else {
      session.start();
      if (co_await run_loop(socket, c) == LoopEnd::StartTls) {
        auto& stream = tls_stream.emplace(std::move(socket), *tls);
        raw = &stream.next_layer();
        tls_used = true;
        if (co_await handshake(stream, c)) {
          session.on_tls_started();
          co_await run_loop(stream, c);
        } else {
          failure = "STLS handshake failed";
        }
      }
    }
  } catch (const std::exception& e) {
    failure = std::string("error: ") + e.what();
  }
  watchdog->stop();
  close_socket();
  const auto& s = session.stats();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  // One line per session; never a secret.
  spdlog::info("pop3: session {} user={} tls={} commands={} retrieved={} bytes={} deleted={} "
               "auth_failures={} duration_ms={} end={}",
               address, s.user.empty() ? "-" : s.user, tls_used ? "yes" : "no", s.commands,
               s.retrieved, s.bytes_out, s.deleted, s.auth_failures, ms,
               !failure.empty() ? failure : (s.end_reason.empty() ? "disconnect" : s.end_reason));
}

} // namespace feedpop::pop3::detail
