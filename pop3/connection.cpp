// One coroutine per connection (STYLE.md §3): the frame owns the stream, the read buffer
// and the Session; no shared_from_this. The loop is templated on the stream so plain TCP,
// TCP after STLS and implicit TLS share it.
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
#include "pop3/line_reader.hpp"

namespace feedpop::pop3::detail {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

enum class LoopEnd { Closed, StartTls };

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

// Admission against the connection limits; released (and the shutdown waiter told) when
// the connection ends.
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

struct Context {
  ServerState& state;
  Session& session;
  LineReader& reader;
  Watchdog& watchdog;
  const std::string& address;
};

template <class Stream>
asio::awaitable<bool> flush(Stream& stream, Context& c, Clock::duration timeout) {
  while (c.session.has_output()) {
    const std::string_view chunk = c.session.next_output();
    if (chunk.empty()) {
      break;
    }
    // A reader that stalls for the whole idle timeout is dropped (slow-reader bound).
    c.watchdog.touch(timeout);
    error_code ec;
    co_await asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) {
      co_return false;
    }
  }
  co_return true;
}

// One AUTHORIZATION-state line, run on the auth pool (see ServerState::auth_pool).
asio::awaitable<Action> on_line_off_io(Session& session, std::string_view line) {
  co_return session.on_line(line);
}

template <class Stream> asio::awaitable<LoopEnd> run_loop(Stream& stream, Context& c) {
  std::array<char, 4096> buffer; // NOLINT: filled by the read before use
  for (;;) {
    for (;;) {
      c.reader.set_limit(c.session.line_limit());
      const auto r = c.reader.next();
      if (r.status == LineReader::Status::NeedMore) {
        break;
      }
      Action action = Action::Continue;
      if (r.status == LineReader::Status::TooLong) {
        action = c.session.on_line_too_long();
      } else if (c.session.state() == State::Authorization) {
        action = co_await asio::co_spawn(c.state.auth_pool, on_line_off_io(c.session, r.line),
                                         use_awaitable);
      } else {
        action = c.session.on_line(r.line);
      }
      if (auto attempt = c.session.take_auth_attempt()) {
        // The verdict goes out when the throttle allows (per address and user name, across
        // connections); a refused attempt gets no verdict at all.
        const auto decision =
            c.state.options.throttle->attempt(c.address, attempt->user, attempt->success);
        asio::steady_timer delay(co_await asio::this_coro::executor, decision.answer_at);
        error_code ec;
        co_await delay.async_wait(asio::redirect_error(use_awaitable, ec));
        if (decision.refused) {
          static constexpr std::string_view busy =
              "-ERR [SYS/TEMP] Too many login attempts, try again later.\r\n";
          co_await asio::async_write(stream, asio::buffer(busy.data(), busy.size()),
                                     asio::redirect_error(use_awaitable, ec));
          co_return LoopEnd::Closed;
        }
      }
      if (action != Action::Continue || c.session.streaming()) {
        if (!co_await flush(stream, c, c.state.options.idle_timeout)) {
          co_return LoopEnd::Closed;
        }
      }
      if (action == Action::Close) {
        co_return LoopEnd::Closed;
      }
      if (action == Action::StartTls) {
        // RFC 2595 §4 / RFC 8314: whatever the client pipelined after STLS came in
        // plaintext and is discarded, never executed inside TLS.
        c.reader.discard_buffered();
        co_return LoopEnd::StartTls;
      }
    }
    if (!co_await flush(stream, c, c.state.options.idle_timeout) || c.session.finished()) {
      co_return LoopEnd::Closed;
    }
    c.reader.shrink();
    c.watchdog.touch(c.session.state() == State::Transaction ? c.state.options.idle_timeout
                                                             : c.state.options.login_timeout);
    error_code ec;
    const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer),
                                                          asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (c.watchdog.fired() && !c.session.finished()) {
        // RFC 1939 §3 autologout: say so (briefly), commit nothing.
        c.session.on_timeout();
        co_await flush(stream, c, std::chrono::seconds(5));
      }
      co_return LoopEnd::Closed;
    }
    c.reader.feed(std::string_view(buffer.data(), n));
  }
}

template <class Stream> asio::awaitable<bool> handshake(Stream& tls, Context& c) {
  c.watchdog.touch(c.state.options.login_timeout);
  error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::server,
                               asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

} // namespace

void Watchdog::touch(Clock::duration timeout) {
  deadline_ = Clock::now() + timeout;
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

  Admission admission(*state, address);
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
  LineReader reader;
  Context c{*state, session, reader, *watchdog, address};
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
