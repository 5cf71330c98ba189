#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "gateway/health_probe.hpp"

namespace feedpop::gateway {
namespace {

using namespace std::chrono_literals;

// A one-connection server on 127.0.0.1:0 that sends `greeting` and records what it reads.
class OneShotServer {
public:
  explicit OneShotServer(std::string greeting) : greeting_(std::move(greeting)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 1) != 0) {
      throw std::runtime_error("cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) {
        return;
      }
      if (!greeting_.empty()) {
        [[maybe_unused]] auto n = ::send(c, greeting_.data(), greeting_.size(), MSG_NOSIGNAL);
      }
      char buf[64];
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n > 0) {
        received_.assign(buf, static_cast<std::size_t>(n));
      }
      ::close(c);
    });
  }
  ~OneShotServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }
  std::string received() {
    thread_.join();
    thread_ = std::thread([] {});
    return received_;
  }

private:
  std::string greeting_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string received_;
  std::thread thread_;
};

TEST(HealthProbe, OkGreetingIsHealthyAndTheProbeSaysQuit) {
  OneShotServer server("+OK feedpop ready <1.2@x>\r\n");
  const auto r = probe_pop3("127.0.0.1", server.port(), 2s);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "+OK feedpop ready <1.2@x>");
  EXPECT_EQ(server.received(), "QUIT\r\n");
}

TEST(HealthProbe, ErrGreetingIsUnhealthy) {
  OneShotServer server("-ERR [SYS/TEMP] too many connections\r\n");
  const auto r = probe_pop3("127.0.0.1", server.port(), 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "-ERR [SYS/TEMP] too many connections");
}

TEST(HealthProbe, SilentServerTimesOut) {
  OneShotServer server("");
  const auto r = probe_pop3("127.0.0.1", server.port(), 300ms);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
}

TEST(HealthProbe, ClosedPortAndUnknownHostAreUnhealthy) {
  std::uint16_t port = 0;
  {
    OneShotServer server("+OK\r\n");
    port = server.port();
    EXPECT_TRUE(probe_pop3("127.0.0.1", port, 2s).ok);
  }
  EXPECT_FALSE(probe_pop3("127.0.0.1", port, 2s).ok); // closed now: refused
  EXPECT_FALSE(probe_pop3("no-such-host.invalid", 110, 2s).ok);
}

// --url: the web server's /healthz. 200 is healthy; a 503's reasons become the detail.
TEST(HealthProbe, HealthzAnswering200IsHealthy) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
  const auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/healthz";
  const auto r = probe_http(url, 2s);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "HTTP 200: ok");
  EXPECT_EQ(server.received().substr(0, 23), "GET /healthz HTTP/1.1\r\n");
}

TEST(HealthProbe, Healthz503IsUnhealthyAndNamesItsReasons) {
  OneShotServer server("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 60\r\n\r\n"
                       "listener down: HTTP listener 127.0.0.1:8080: x\nstore unwritable\n");
  const auto r = probe_http("http://127.0.0.1:" + std::to_string(server.port()) + "/healthz", 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "HTTP 503: listener down: HTTP listener 127.0.0.1:8080: x; store unwritable");
}

TEST(HealthProbe, NotHttpOrABadUrlIsUnhealthy) {
  OneShotServer server("+OK a POP3 server\r\n");
  EXPECT_FALSE(probe_http("http://127.0.0.1:" + std::to_string(server.port()) + "/", 2s).ok);
  EXPECT_FALSE(probe_http("https://127.0.0.1/healthz", 1s).ok);
  EXPECT_FALSE(probe_http("http://:80/healthz", 1s).ok);
  EXPECT_FALSE(probe_http("http://127.0.0.1:99999/healthz", 1s).ok);
}

} // namespace
} // namespace feedpop::gateway
