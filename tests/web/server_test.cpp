#include "web/server.hpp"

#include <chrono>
#include <string>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "memory_status.hpp"

namespace feedpop::web {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class ServerTest : public ::testing::Test {
protected:
  void start(Options o) {
    o.listen = {{"127.0.0.1", 0}};
    auto handler = std::make_shared<Handler>(o, std::make_shared<testing::MemoryStatus>(),
                                             std::make_shared<testing::MemoryCredentials>(),
                                             std::make_shared<auth::FailureThrottle>());
    server = std::make_unique<Server>(handler);
    const auto bound = server->start();
    ASSERT_EQ(bound.size(), 1u);
    port = bound[0].endpoint.port;
  }
  tcp::socket connect() {
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    return s;
  }
  // Reads until the peer closes (or `limit` bytes); returns what arrived.
  static std::string read_all(tcp::socket& s, std::size_t limit = 1 << 20) {
    std::string out;
    char buf[4096];
    boost::system::error_code ec;
    while (out.size() < limit) {
      const auto n = s.read_some(asio::buffer(buf), ec);
      if (ec) {
        break;
      }
      out.append(buf, n);
    }
    return out;
  }
  // Reads one response with a Content-Length body.
  static std::string read_response(tcp::socket& s) {
    std::string out;
    char c;
    while (out.find("\r\n\r\n") == std::string::npos) {
      asio::read(s, asio::buffer(&c, 1));
      out += c;
    }
    const auto at = out.find("Content-Length: ");
    const auto length = std::stoul(out.substr(at + 16));
    std::string body(length, '\0');
    asio::read(s, asio::buffer(body));
    return out + body;
  }

  asio::io_context io;
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
};

TEST_F(ServerTest, KeepAliveAnswersPipelinedRequestsInOrder) {
  start({});
  auto s = connect();
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                                          "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_EQ(read_response(s).substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(read_response(s).substr(0, 12), "HTTP/1.1 404");
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")));
  const auto last = read_all(s);
  EXPECT_EQ(last.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(last.find("Connection: close"), std::string::npos);
}

TEST_F(ServerTest, AHeaderTricklingInIsCutAtTheReadTimeout) {
  Options o;
  o.read_timeout = 1s;
  start(o);
  auto s = connect();
  const auto started = std::chrono::steady_clock::now();
  asio::write(s, asio::buffer(std::string("GET / HTTP/1.1\r\nX-Slow: ")));
  // One byte every 200 ms: never idle long, but the whole header never arrives in time.
  s.non_blocking(true);
  bool closed = false;
  for (int i = 0; i < 50 && !closed; ++i) {
    std::this_thread::sleep_for(200ms);
    boost::system::error_code ec;
    asio::write(s, asio::buffer(std::string("a")), ec);
    char c;
    if (!ec) {
      s.read_some(asio::buffer(&c, 1), ec);
    }
    closed = ec && ec != asio::error::would_block;
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(closed) << "still connected after " << (elapsed / 1ms) << " ms";
  EXPECT_LT(elapsed, 5s);
}

TEST_F(ServerTest, ConnectionsOverTheLimitAreClosedAtOnce) {
  Options o;
  o.max_connections = 2;
  start(o);
  auto a = connect();
  auto b = connect();
  std::this_thread::sleep_for(200ms); // both accepted
  auto c = connect();
  EXPECT_EQ(read_all(c), ""); // closed without an answer
  asio::write(a, asio::buffer(std::string("GET /healthz HTTP/1.1\r\n\r\n")));
  EXPECT_EQ(read_response(a).substr(0, 15), "HTTP/1.1 200 OK");
  a.close();
  b.close();
  for (int i = 0; i < 50 && server->connections() != 0; ++i) {
    std::this_thread::sleep_for(20ms);
  }
  auto d = connect();
  asio::write(d, asio::buffer(std::string("GET /healthz HTTP/1.1\r\n\r\n")));
  EXPECT_EQ(read_response(d).substr(0, 15), "HTTP/1.1 200 OK");
}

TEST_F(ServerTest, OversizedHeaderGets431AndTheConnectionCloses) {
  start({});
  auto s = connect();
  asio::write(s, asio::buffer("GET / HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n"));
  const auto out = read_all(s);
  EXPECT_EQ(out.substr(0, 12), "HTTP/1.1 431") << out;
}

TEST_F(ServerTest, ShutdownClosesIdleKeepAliveConnections) {
  start({});
  auto s = connect();
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\n\r\n")));
  read_response(s);
  const auto started = std::chrono::steady_clock::now();
  server->shutdown(100ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(read_all(s), "");
  EXPECT_THROW(connect(), boost::system::system_error);
}

TEST_F(ServerTest, BindFailureNamesTheEndpoint) {
  start({});
  Options o;
  o.listen = {{"127.0.0.1", port}};
  Server second(std::make_shared<Handler>(o, std::make_shared<testing::MemoryStatus>(),
                                          std::make_shared<testing::MemoryCredentials>(),
                                          std::make_shared<auth::FailureThrottle>()));
  try {
    second.start();
    FAIL() << "bound a port in use";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  }
}

} // namespace
} // namespace feedpop::web
