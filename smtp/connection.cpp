// One coroutine per connection (STYLE.md §3): the frame owns the stream, the read buffer
// and the Session; no shared_from_this. The loop is templated on the stream so plain TCP,
// TCP after STARTTLS and implicit TLS share it.
#include <array>
#include <optional>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "common/metrics.hpp"
#include "smtp/connection.hpp"

namespace feedpop::smtp::detail {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

enum class LoopEnd { Closed, StartTls };

// How a session ended, for the sessions-by-outcome metric.
metrics::SessionOutcome session_outcome(const SessionStats& s, const std::string& failure) {
  if (!failure.empty() || s.end_reason.starts_with("message handler") ||
      s.end_reason.starts_with("credential lookup")) {
    return metrics::SessionOutcome::error;
  }
  if (s.end_reason == "quit") {
    return metrics::SessionOutcome::quit;
  }
  if (s.end_reason == "timeout") {
    return metrics::SessionOutcome::timeout;
  }
  if (s.end_reason == "too many authentication failures" ||
      s.end_reason == "authentication attempts refused by the throttle") {
    return metrics::SessionOutcome::auth_failed;
  }
  return metrics::SessionOutcome::dropped;
}

asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  }
  return a;
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
  Watchdog& watchdog;
  const std::string& address;
  std::uint64_t lines_seen = 0; // session progress at the last idle-timer renewal
  bool was_authenticated = false;
};

template <class Stream> asio::awaitable<bool> flush(Stream& stream, Context& c) {
  while (c.session.has_output()) {
    const std::string_view chunk = c.session.next_output();
    error_code ec;
    co_await asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()),
                               asio::redirect_error(use_awaitable, ec));
    if (ec) {
      co_return false;
    }
  }
  co_return true;
}

// Before login the deadline set at accept stands; afterwards each complete line renews
// the idle timeout (bytes alone do not).
void renew_deadline(Context& c) {
  if (!c.session.authenticated()) {
    return;
  }
  const auto lines = c.session.stats().lines;
  if (!c.was_authenticated || lines != c.lines_seen) {
    c.was_authenticated = true;
    c.lines_seen = lines;
    c.watchdog.touch(c.state.options.idle_timeout);
  }
}

// Session work runs on the work pool (ServerState::work_pool), the connection awaiting it.
asio::awaitable<Action> feed_off_io(Session& session, std::string_view bytes) {
  co_return session.feed(bytes);
}

asio::awaitable<Action> feed(Context& c, std::string_view bytes) {
  co_return co_await asio::co_spawn(c.state.work_pool, feed_off_io(c.session, bytes),
                                    use_awaitable);
}

// The verdict of an authentication goes out when auth::Throttle allows (per address and
// user name, across connections and protocols); a refused attempt gets 421 instead.
asio::awaitable<void> throttle(Context& c, const AuthAttempt& attempt) {
  const auto decision = c.state.throttle->attempt(c.address, attempt.user, attempt.success);
  asio::steady_timer delay(co_await asio::this_coro::executor, decision.answer_at);
  error_code ec;
  co_await delay.async_wait(asio::redirect_error(use_awaitable, ec));
  if (decision.refused) {
    c.session.refuse_auth_attempt();
  }
}

template <class Stream> asio::awaitable<LoopEnd> run_loop(Stream& stream, Context& c) {
  std::array<char, 4096> buffer; // NOLINT: filled by the read before use
  Action action = Action::Continue;
  for (;;) {
    for (;;) {
      if (const auto attempt = c.session.take_auth_attempt()) {
        co_await throttle(c, *attempt);
      }
      if (!co_await flush(stream, c)) {
        co_return LoopEnd::Closed;
      }
      if (action == Action::Close || c.session.finished()) {
        co_return LoopEnd::Closed;
      }
      if (action == Action::StartTls) {
        co_return LoopEnd::StartTls; // the session already dropped pipelined input
      }
      if (!c.session.paused()) {
        break;
      }
      action = co_await feed(c, {});
    }
    renew_deadline(c);
    error_code ec;
    const std::size_t n = co_await stream.async_read_some(asio::buffer(buffer),
                                                          asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (c.watchdog.fired() && !c.session.finished()) {
        c.session.on_timeout(); // RFC 5321 §4.5.3.2: 421, then close
        c.watchdog.touch(std::chrono::seconds(5));
        co_await flush(stream, c);
      }
      co_return LoopEnd::Closed;
    }
    action = co_await feed(c, std::string_view(buffer.data(), n));
  }
}

template <class Stream> asio::awaitable<bool> handshake(Stream& tls) {
  error_code ec;
  co_await tls.async_handshake(asio::ssl::stream_base::server,
                               asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

SessionOptions session_options(const ServerState& state, const asio::ip::address& peer,
                               bool implicit_tls, bool tls_available) {
  SessionOptions so;
  so.hostname = state.hostname;
  so.plaintext_auth = state.options.plaintext_auth;
  so.loopback = peer.is_loopback();
  so.tls_active = implicit_tls;
  so.tls_available = tls_available;
  so.max_message_size = state.options.max_message_size;
  so.max_recipients = state.options.max_recipients;
  so.max_line_length = state.options.max_line_length;
  so.max_bad_commands = state.options.max_bad_commands;
  so.max_auth_failures = state.options.max_auth_failures;
  return so;
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
  const auto peer = unmapped(remote.address());
  const std::string address = peer.to_string();
  const auto executor = socket.get_executor();
  auto watchdog = std::make_shared<Watchdog>(executor);
  tcp::socket* raw = &socket; // the lowest layer, also after it moves into a TLS stream
  auto close_socket = [&raw] {
    error_code ignored;
    raw->shutdown(tcp::socket::shutdown_both, ignored);
    raw->close(ignored);
  };
  // First expiry cancels the pending operation so the loop can say 421; a second one (the
  // goodbye stalled, or a write never progressed) closes the socket.
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
          "421 4.7.0 Too many connections, try again later\r\n";
      co_await asio::async_write(socket, asio::buffer(refusal.data(), refusal.size()),
                                 asio::redirect_error(use_awaitable, ec));
    }
    watchdog->stop();
    close_socket();
    spdlog::info("smtp: refused {} (connection limit)", address);
    metrics::handles().smtp.ended(metrics::SessionOutcome::refused).inc();
    co_return;
  }
  ++state->accepted;
  metrics::handles().smtp.active.inc();
  // RFC 5321 §4.5.3.2 bounds each wait; here the whole login has one deadline from accept.
  watchdog->touch(state->options.login_timeout);

  std::shared_ptr<auth::CredentialStore> credentials;
  std::shared_ptr<asio::ssl::context> tls;
  {
    std::lock_guard lock(state->config_mutex);
    credentials = state->credentials;
    tls = state->tls;
  }
  MessageHandler on_message = [state](Submission&& s) {
    std::string reply = state->on_message(std::move(s));
    if (!reply.empty() && reply[0] == '2') {
      ++state->messages;
    }
    return reply;
  };
  Session session(session_options(*state, peer, implicit_tls, tls != nullptr), credentials,
                  state->sasl_frozen, std::move(on_message));
  Context c{*state, session, *watchdog, address};
  bool tls_used = implicit_tls;
  std::string failure;
  // The TLS stream lives as long as the frame: `raw` points into it, and close_socket()
  // below (or a shutdown closer) must never reach a destroyed socket.
  std::optional<asio::ssl::stream<tcp::socket>> tls_stream;

  try {
    if (implicit_tls) {
      auto& stream = tls_stream.emplace(std::move(socket), *tls);
      raw = &stream.next_layer();
      if (co_await handshake(stream)) {
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
        if (co_await handshake(stream)) {
          session.on_tls_started();
          co_await run_loop(stream, c);
        } else {
          failure = "STARTTLS handshake failed";
        }
      }
    }
  } catch (const std::exception& e) {
    failure = std::string("error: ") + e.what();
  }
  watchdog->stop();
  close_socket();
  const auto& s = session.stats();
  metrics::handles().smtp.active.dec();
  metrics::handles().smtp.ended(session_outcome(s, failure)).inc();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  // One line per session; never a secret or message content.
  spdlog::info("smtp: session {} user={} tls={} commands={} messages={} bytes_in={} "
               "auth_failures={} duration_ms={} end={}",
               address, s.user.empty() ? "-" : s.user, tls_used ? "yes" : "no", s.commands,
               s.messages, s.bytes_in, s.auth_failures, ms,
               !failure.empty() ? failure : (s.end_reason.empty() ? "disconnect" : s.end_reason));
}

} // namespace feedpop::smtp::detail
