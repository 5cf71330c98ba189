// The connection loop (pop3/connection_loop.hpp) driven by an in-memory stream that fails
// its Nth read or write, delivers one byte at a time, or trickles bytes slowly (STYLE.md
// §7, as Beast's test::stream): the same template the server runs over TCP and TLS.
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "pop3/connection_loop.hpp"
#include "tests/pop3/memory_maildrop.hpp"

namespace feedpop::pop3 {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace std::chrono_literals;

// A client script as an Asio stream. Reads deliver `input` `read_size` octets at a time
// (after `read_delay`), then EOF; writes append to `output`, at most `write_size` octets
// each. Operation `fail_read` / `fail_write` (1-based) fails with connection_reset.
class TestStream {
public:
  using executor_type = asio::any_io_executor;
  TestStream(asio::io_context& io, std::string input)
      : io_(io), timer_(io), input_(std::move(input)) {}
  executor_type get_executor() { return io_.get_executor(); }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, buffers](auto handler) {
          timer_.expires_after(read_delay);
          auto ex = asio::get_associated_executor(handler, io_.get_executor());
          timer_.async_wait(asio::bind_executor(
              ex, [this, buffers, h = std::move(handler)](error_code ec) mutable {
                std::size_t n = 0;
                if (ec) {
                  ec = asio::error::operation_aborted;
                } else if (++reads == fail_read) {
                  ec = asio::error::connection_reset;
                } else if (pos_ == input_.size()) {
                  ec = asio::error::eof;
                } else {
                  n = asio::buffer_copy(buffers,
                                        asio::buffer(input_.data() + pos_,
                                                     std::min(read_size, input_.size() - pos_)));
                  pos_ += n;
                }
                h(ec, n);
              }));
        },
        token);
  }

  template <class Buffers, class Token>
  auto async_write_some(const Buffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(error_code, std::size_t)>(
        [this, buffers](auto handler) {
          error_code ec;
          std::size_t n = 0;
          if (++writes == fail_write) {
            ec = asio::error::connection_reset;
          } else {
            std::string chunk(std::min(asio::buffer_size(buffers), write_size), '\0');
            n = asio::buffer_copy(asio::buffer(chunk), buffers);
            output.append(chunk);
          }
          auto ex = asio::get_associated_executor(handler, io_.get_executor());
          asio::post(ex, [h = std::move(handler), ec, n]() mutable { h(ec, n); });
        },
        token);
  }

  void cancel() { timer_.cancel(); }

  std::size_t read_size = 4096;
  std::size_t write_size = SIZE_MAX;
  std::chrono::milliseconds read_delay{0};
  std::size_t fail_read = 0, fail_write = 0;
  std::size_t reads = 0, writes = 0;
  std::string output;

private:
  asio::io_context& io_;
  asio::steady_timer timer_;
  std::string input_;
  std::size_t pos_ = 0;
};

static_assert(detail::ByteStream<TestStream>);

struct Result {
  detail::LoopEnd end;
  std::string output;
  SessionStats stats;
  std::size_t commits;
  std::size_t writes;
  std::chrono::steady_clock::duration took;
};

struct Options {
  std::size_t read_size = 4096, write_size = SIZE_MAX, fail_read = 0, fail_write = 0;
  std::chrono::milliseconds read_delay{0};
  std::chrono::steady_clock::duration login_timeout = 10s, idle_timeout = 10s;
  std::shared_ptr<testing::MemoryStore> store = testing::make_standard_store();
};

Result run(const std::string& input, const Options& o = {}) {
  asio::io_context io;
  TestStream stream(io, input);
  stream.read_size = o.read_size;
  stream.write_size = o.write_size;
  stream.fail_read = o.fail_read;
  stream.fail_write = o.fail_write;
  stream.read_delay = o.read_delay;
  SessionOptions so;
  so.loopback = true;
  Session session(so, std::make_shared<testing::MemoryAuthenticator>(o.store),
                  std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults()));
  auto watchdog = std::make_shared<detail::Watchdog>(io.get_executor());
  watchdog->on_fire = [&stream](bool) { stream.cancel(); };
  const auto started = std::chrono::steady_clock::now();
  detail::LoopContext c{session,
                        *watchdog,
                        started + o.login_timeout,
                        o.idle_timeout,
                        [](const Session::AuthAttempt&) {
                          return auth::Throttle::Decision{std::chrono::steady_clock::now() +
                                                          std::chrono::milliseconds(1)};
                        },
                        nullptr};
  std::optional<detail::LoopEnd> end;
  session.start();
  asio::co_spawn(io, detail::run_loop(stream, c), [&](std::exception_ptr e, detail::LoopEnd r) {
    EXPECT_FALSE(e);
    end = r;
    watchdog->stop();
  });
  io.run();
  EXPECT_TRUE(end.has_value());
  return {end.value_or(detail::LoopEnd::Closed),
          stream.output,
          session.stats(),
          o.store->commits,
          stream.writes,
          std::chrono::steady_clock::now() - started};
}

const std::string script = "USER alice\r\nPASS secret\r\nLIST\r\nRETR 2\r\nTOP 3 1\r\n"
                           "UIDL\r\nDELE 1\r\nQUIT\r\n";

TEST(ConnectionLoop, OneByteAtATimeGivesTheSameRepliesAsOneRead) {
  const Result whole = run(script);
  ASSERT_EQ(whole.end, detail::LoopEnd::Closed);
  EXPECT_EQ(whole.stats.end_reason, "quit");
  EXPECT_EQ(whole.commits, 1u);
  Options o;
  o.read_size = 1;
  o.write_size = 3; // and the replies leave in partial writes
  const Result bytewise = run(script, o);
  const auto after_greeting = [](const std::string& out) { return out.substr(out.find('\n')); };
  EXPECT_EQ(after_greeting(bytewise.output), after_greeting(whole.output));
  EXPECT_EQ(bytewise.commits, 1u);
  EXPECT_EQ(bytewise.stats.commands, 8u);
}

TEST(ConnectionLoop, AFailedReadAtAnyPointEndsTheSessionAndCommitsNothing) {
  Options o;
  o.read_size = 7;
  const std::size_t reads = (script.size() + o.read_size - 1) / o.read_size;
  for (std::size_t n = 1; n <= reads; ++n) {
    o.fail_read = n;
    o.store = testing::make_standard_store();
    const Result r = run(script, o);
    EXPECT_EQ(r.end, detail::LoopEnd::Closed) << n;
    EXPECT_EQ(r.commits, 0u) << "read " << n << " failed, yet the marks were committed";
    EXPECT_NE(r.stats.end_reason, "quit") << n;
  }
}

TEST(ConnectionLoop, AFailedWriteAtAnyPointEndsTheSessionWithoutWritingAgain) {
  Options o;
  o.write_size = 16;
  const Result whole = run(script, o);
  // DELE and QUIT run only once the UIDL listing before them has been written.
  const std::size_t dele_reply = whole.output.find("+OK Marked");
  for (std::size_t n = 1; n <= whole.writes; ++n) {
    o.fail_write = n;
    o.store = testing::make_standard_store();
    const Result r = run(script, o);
    EXPECT_EQ(r.end, detail::LoopEnd::Closed) << n;
    EXPECT_EQ(r.writes, n) << "wrote again after failed write " << n;
    if (r.output.size() + o.write_size <= dele_reply) {
      EXPECT_EQ(r.commits, 0u) << "write " << n << " failed, yet QUIT ran";
    }
  }
}

TEST(ConnectionLoop, AClientClosingMidRetrEndsTheSessionPromptly) {
  Options o;
  const std::string big = testing::crlf("Subject: big\n\n") + std::string(1 << 20, 'x') + "\r\n";
  o.store->deliver("alice", {"uid-big", std::make_shared<const std::string>(big)});
  o.write_size = 4096;
  o.fail_write = 40; // about 160 KB into the message
  const Result r = run("USER alice\r\nPASS secret\r\nDELE 1\r\nRETR 4\r\nQUIT\r\n", o);
  EXPECT_EQ(r.end, detail::LoopEnd::Closed);
  EXPECT_LT(r.output.size(), 200000u);
  EXPECT_EQ(r.stats.retrieved, 0u);
  EXPECT_EQ(r.commits, 0u); // QUIT after the RETR never ran
}

TEST(ConnectionLoop, TrickledBytesNeverExtendTheLoginDeadline) {
  Options o;
  o.read_size = 1;
  o.read_delay = 50ms;
  o.login_timeout = 400ms;
  std::string capas;
  for (int i = 0; i < 40; ++i) {
    capas += "CAPA\r\n"; // complete commands, 6 bytes each: one every 300 ms
  }
  const Result r = run(capas, o);
  EXPECT_EQ(r.stats.end_reason, "autologout");
  EXPECT_LT(r.took, 2s);
  EXPECT_NE(r.output.find("-ERR Disconnected for inactivity.\r\n"), std::string::npos);
}

TEST(ConnectionLoop, IdleTimeoutCountsFromTheLastCompleteCommandNotFromPartialLines) {
  Options o;
  o.read_size = 1;
  o.read_delay = 20ms;
  o.idle_timeout = 300ms;
  // Logged in quickly, then a line that never ends: 200 octets at 20 ms each (4 s).
  const Result r = run("USER alice\r\nPASS secret\r\nNOOP" + std::string(150, ' '), o);
  EXPECT_EQ(r.stats.end_reason, "autologout");
  EXPECT_LT(r.took, 2s);
  EXPECT_EQ(r.commits, 0u);
}

} // namespace
} // namespace feedpop::pop3
