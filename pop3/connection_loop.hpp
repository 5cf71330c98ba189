#pragma once
// The byte loop of one POP3 connection, written against a stream concept (STYLE.md §3, §7):
// plain TCP, TLS (implicit or after STLS) and the tests' in-memory stream run the same
// code. Internal to pop3::Server (connection.cpp) and its tests; not part of the API.
//
// Timeouts (RFC 1939 §3): before login, one deadline counted from accept that nothing
// moves (bytes trickling in, or CAPA again and again, do not keep a connection alive);
// after login, the idle timeout counts from the last complete command or the last reply
// octets written, never from a partial line. A Watchdog enforces both.
// <utility> first: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <utility>

#include <array>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "auth/throttle.hpp"
#include "pop3/session.hpp"

namespace feedpop::pop3::detail {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Closes a connection that has been idle (or stalled writing) past its deadline. One timer
// wait per deadline, not one per read: set_deadline() only moves the deadline, and the
// handler re-arms when it fires early. Lives in a shared_ptr so a handler that runs after
// the connection ended finds `done` set and touches nothing else (all on the strand).
class Watchdog : public std::enable_shared_from_this<Watchdog> {
public:
  explicit Watchdog(const asio::any_io_executor& ex) : timer_(ex) {}
  void set_deadline(Clock::time_point deadline);
  void touch(Clock::duration timeout) { set_deadline(Clock::now() + timeout); }
  void stop();
  bool fired() const { return fired_; }
  // Called on the strand when the deadline passes; `first` is false when it passes again
  // after an earlier firing (the polite attempt to say goodbye stalled too).
  std::function<void(bool first)> on_fire;

private:
  void wait();
  asio::steady_timer timer_;
  Clock::time_point deadline_{};
  std::uint64_t generation_ = 0; // a wait superseded by a re-arm ignores its completion
  bool armed_ = false;
  bool done_ = false;
  bool fired_ = false;
};

// A stream the loop can drive: Asio's AsyncReadStream and AsyncWriteStream.
template <class S>
concept ByteStream = requires(S& s, asio::mutable_buffer in, asio::const_buffer out) {
  s.get_executor();
  s.async_read_some(in, asio::use_awaitable);
  s.async_write_some(out, asio::use_awaitable);
};

// What the loop needs from the connection around it.
struct LoopContext {
  Session& session;
  Watchdog& watchdog;
  Clock::time_point login_deadline; // accept + login timeout
  Clock::duration idle_timeout;     // after login
  // When an authentication verdict may go out (auth::Throttle: per address, /64 and user
  // name, across connections), or that it never will (refused: close instead).
  std::function<auth::Throttle::Decision(const Session::AuthAttempt&)> throttle;
  // Told the session's peak of octets held for output (server statistics).
  std::function<void(std::size_t)> on_output;
  // Where input is fed while the session is in AUTHORIZATION (password checks with PBKDF2,
  // credential lookups, opening the maildrop), so they never hold an io thread; null: inline.
  asio::thread_pool* auth_pool = nullptr;
  Clock::time_point last_active = Clock::now(); // last complete command or reply written

  Clock::time_point deadline() const {
    return session.state() == State::Authorization ? login_deadline : last_active + idle_timeout;
  }
};

enum class LoopEnd { Closed, StartTls };

inline constexpr auto goodbye_timeout = std::chrono::seconds(5);

// Writes everything the session has to say, one chunk per co_await (backpressure). A
// reader that stalls past the deadline is dropped.
template <ByteStream Stream>
asio::awaitable<bool> flush(Stream& stream, LoopContext& c, bool goodbye = false) {
  while (c.session.has_output()) {
    const std::string_view chunk = c.session.next_output();
    if (chunk.empty()) {
      break;
    }
    if (c.on_output) {
      c.on_output(c.session.stats().peak_output);
    }
    c.watchdog.set_deadline(goodbye ? Clock::now() + goodbye_timeout : c.deadline());
    boost::system::error_code ec;
    co_await asio::async_write(stream, asio::buffer(chunk.data(), chunk.size()),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return false;
    }
    c.last_active = Clock::now();
  }
  co_return true;
}

inline asio::awaitable<Action> feed_on_pool(Session& session, std::string_view bytes) {
  co_return session.feed(bytes);
}

// Feeds what the stream delivers to the session and writes its replies until the session
// ends, the peer goes, a deadline passes, or STLS asks for TLS (then LoopEnd::StartTls,
// with the plaintext input after STLS already discarded by the session).
template <ByteStream Stream> asio::awaitable<LoopEnd> run_loop(Stream& stream, LoopContext& c) {
  std::array<char, 4096> buffer; // NOLINT: filled by the read before use
  std::string_view bytes;
  for (;;) {
    const std::size_t commands = c.session.stats().commands;
    const Action action =
        c.auth_pool != nullptr && c.session.state() == State::Authorization
            ? co_await asio::co_spawn(*c.auth_pool, feed_on_pool(c.session, bytes),
                                      asio::use_awaitable)
            : c.session.feed(bytes);
    bytes = {};
    if (c.session.stats().commands != commands) {
      c.last_active = Clock::now();
    }
    if (c.on_output) {
      c.on_output(c.session.stats().peak_output);
    }
    if (auto attempt = c.session.take_auth_attempt()) {
      const auto decision = c.throttle(*attempt);
      asio::steady_timer delay(co_await asio::this_coro::executor, decision.answer_at);
      boost::system::error_code ignored;
      co_await delay.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      if (decision.refused) {
        static constexpr std::string_view busy =
            "-ERR [SYS/TEMP] Too many login attempts, try again later.\r\n";
        co_await asio::async_write(stream, asio::buffer(busy.data(), busy.size()),
                                   asio::redirect_error(asio::use_awaitable, ignored));
        co_return LoopEnd::Closed;
      }
    }
    if (!co_await flush(stream, c) || action == Action::Close || c.session.finished()) {
      co_return LoopEnd::Closed;
    }
    if (action == Action::StartTls) {
      co_return LoopEnd::StartTls;
    }
    if (!c.session.wants_input()) {
      continue; // more complete lines are buffered
    }
    boost::system::error_code ec;
    if (!c.watchdog.fired()) {
      c.watchdog.set_deadline(c.deadline());
      const std::size_t n = co_await stream.async_read_some(
          asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) {
        bytes = std::string_view(buffer.data(), n);
        continue;
      }
    }
    if (c.watchdog.fired() && !c.session.finished()) {
      // RFC 1939 §3 autologout: say so (briefly), commit nothing.
      c.session.on_timeout();
      co_await flush(stream, c, true);
    }
    co_return LoopEnd::Closed;
  }
}

} // namespace feedpop::pop3::detail
