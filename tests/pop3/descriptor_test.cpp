// A connection must close its socket exactly once. A second close() of a descriptor number
// that another connection (or a database file) has meanwhile been given closes *that*
// one: under load this showed as other TLS sessions cut mid-stream ("stream truncated")
// and the acceptor failing with EBADF. The race window is microseconds, so the test does
// not try to win it: it counts close() calls that fail with EBADF, which every double
// close produces when the number has not been reused.
#include <atomic>
#include <cerrno>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <sys/syscall.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "pop3/server.hpp"
#include "tests/pop3/memory_maildrop.hpp"
#include "tests/pop3/tls_support.hpp"

namespace {
std::atomic<int> bad_closes{0};
}

// Interposes libc's close() for this test executable (the executable's definition wins
// symbol resolution): forwards to the system call and counts EBADF results.
extern "C" int close(int fd) {
  const long r = ::syscall(SYS_close, fd);
  if (r != 0 && errno == EBADF) {
    bad_closes.fetch_add(1);
  }
  return static_cast<int>(r);
}

namespace feedpop::pop3 {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Runs one session: optional STLS or implicit TLS, log in, QUIT, wait for the server's EOF.
void session(std::uint16_t port, bool implicit_tls, bool stls) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  asio::ssl::stream<tcp::socket&> tls(socket, ctx);
  asio::streambuf buf;
  bool secure = false;
  auto line = [&] {
    boost::system::error_code ec;
    const std::size_t n =
        secure ? asio::read_until(tls, buf, "\r\n", ec) : asio::read_until(socket, buf, "\r\n", ec);
    if (ec) {
      return std::string("error");
    }
    std::string s(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
    buf.consume(n);
    return s;
  };
  auto say = [&](const std::string& command) {
    if (secure) {
      asio::write(tls, asio::buffer(command));
    } else {
      asio::write(socket, asio::buffer(command));
    }
    return line();
  };
  if (implicit_tls) {
    tls.handshake(asio::ssl::stream_base::client);
    secure = true;
  }
  ASSERT_EQ(line().rfind("+OK", 0), 0u);
  if (stls) {
    ASSERT_EQ(say("STLS\r\n").rfind("+OK", 0), 0u);
    tls.handshake(asio::ssl::stream_base::client);
    secure = true;
  }
  ASSERT_EQ(say("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n").rfind("+OK", 0), 0u);
  ASSERT_EQ(say("QUIT\r\n").rfind("+OK", 0), 0u);
  line(); // the server's end of the connection
}

TEST(ServerDescriptors, EveryKindOfSessionClosesItsSocketExactlyOnce) {
  ServerOptions o;
  o.listen = {{"127.0.0.1", 0}};
  o.tls_listen = {{"127.0.0.1", 0}};
  o.threads = 2;
  o.hostname = "test.example";
  const auto& cert = testing::test_certificate();
  auto store = testing::make_standard_store();
  Server server(o, std::make_shared<testing::MemoryAuthenticator>(store),
                make_tls_context(cert.cert, cert.key));
  std::uint16_t port = 0, tls_port = 0;
  for (const auto& b : server.start()) {
    (b.implicit_tls ? tls_port : port) = b.endpoint.port;
  }
  const int before = bad_closes.load();
  for (int i = 0; i < 5; ++i) {
    session(port, false, false);
    session(port, false, true);
    session(tls_port, true, false);
  }
  server.shutdown(std::chrono::milliseconds(500));
  EXPECT_EQ(bad_closes.load(), before);
}

} // namespace
} // namespace feedpop::pop3
