// smtp::Server on real loopback sockets with real TLS: STARTTLS (and its injection
// defence), implicit TLS, limits, timeouts and hostile input, each bounded and without
// effect on other sessions.
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "smtp/server.hpp"
#include "tests/smtp/test_credentials.hpp"
#include "tests/smtp/tls_support.hpp"

namespace feedpop::smtp {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// A blocking client: plain, then optionally TLS on the same socket.
class Client {
public:
  explicit Client(std::uint16_t port, bool implicit_tls = false)
      : ctx_(ssl::context::tls_client), stream_(io_, ctx_) {
    stream_.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    if (implicit_tls) {
      stream_.handshake(ssl::stream_base::client);
      tls_ = true;
    }
  }
  void start_tls() {
    stream_.handshake(ssl::stream_base::client);
    tls_ = true;
  }
  // False once the server has closed the connection.
  bool write(std::string_view bytes) {
    boost::system::error_code ec;
    if (tls_) {
      asio::write(stream_, asio::buffer(bytes.data(), bytes.size()), ec);
    } else {
      asio::write(stream_.next_layer(), asio::buffer(bytes.data(), bytes.size()), ec);
    }
    return !ec;
  }
  // One complete reply (all its lines); "" at EOF.
  std::string reply() {
    std::string out;
    for (;;) {
      const std::string line = read_line();
      if (line.empty()) {
        return out;
      }
      out += line;
      if (line.size() < 4 || line[3] != '-') {
        return out;
      }
    }
  }
  std::string command(std::string_view line) {
    write(std::string(line) + "\r\n");
    return reply();
  }
  void login(std::string_view plain_b64 = "AGFsaWNlAHNlY3JldA==") {
    EXPECT_EQ(command("EHLO client.example").substr(0, 13), "250-localhost");
    EXPECT_EQ(command("AUTH PLAIN " + std::string(plain_b64)),
              "235 2.7.0 Authentication successful\r\n");
  }

private:
  std::string read_line() {
    for (;;) {
      const auto lf = buffer_.find('\n');
      if (lf != std::string::npos) {
        std::string line = buffer_.substr(0, lf + 1);
        buffer_.erase(0, lf + 1);
        return line;
      }
      char data[4096];
      boost::system::error_code ec;
      const std::size_t n = tls_ ? stream_.read_some(asio::buffer(data), ec)
                                 : stream_.next_layer().read_some(asio::buffer(data), ec);
      if (ec) {
        return {};
      }
      buffer_.append(data, n);
    }
  }
  asio::io_context io_;
  ssl::context ctx_;
  ssl::stream<tcp::socket> stream_;
  bool tls_ = false;
  std::string buffer_;
};

class ServerTest : public ::testing::Test {
protected:
  void start(ServerOptions o = {}) {
    o.listen = {{"127.0.0.1", 0}};
    o.tls_listen = {{"127.0.0.1", 0}};
    o.hostname = "localhost";
    o.threads = o.threads != 0 ? o.threads : 2;
    server_ = std::make_unique<Server>(
        o, credentials_,
        [this](Submission&& s) {
          std::lock_guard lock(mutex_);
          received_.push_back(std::move(s));
          return "250 2.0.0 Accepted " + std::to_string(received_.back().content.size());
        },
        testing::server_tls_context(), throttle_);
    for (const auto& b : server_->start()) {
      (b.implicit_tls ? tls_port_ : port_) = b.endpoint.port;
    }
  }
  std::size_t received() {
    std::lock_guard lock(mutex_);
    return received_.size();
  }
  static void submit(Client& c, std::string_view content) {
    EXPECT_EQ(c.command("MAIL FROM:<alice@example.org>"), "250 2.1.0 Sender OK\r\n");
    EXPECT_EQ(c.command("RCPT TO:<feedpop@localhost>"), "250 2.1.5 Recipient OK\r\n");
    EXPECT_EQ(c.command("DATA").substr(0, 3), "354");
    c.write(content);
  }
  std::shared_ptr<testing::TestCredentials> credentials_ =
      std::make_shared<testing::TestCredentials>();
  std::shared_ptr<auth::Throttle> throttle_; // null: the server's own
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0, tls_port_ = 0;
  std::mutex mutex_;
  std::vector<Submission> received_;
};

TEST_F(ServerTest, StarttlsDiscardsWhatWasPipelinedBehindIt) {
  start();
  Client c(port_);
  EXPECT_EQ(c.reply(), "220 localhost ESMTP feedpop\r\n");
  EXPECT_NE(c.command("EHLO client.example").find("250-STARTTLS"), std::string::npos);
  // RFC 3207 §4.2 / the 2011 STARTTLS command injection: these lines came in plaintext.
  c.write("STARTTLS\r\nEHLO injected\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  EXPECT_EQ(c.reply(), "220 2.0.0 Ready to start TLS\r\n");
  c.start_tls();
  EXPECT_EQ(c.command("MAIL FROM:<alice@example.org>"), "503 5.5.1 Send EHLO first\r\n");
  const std::string ehlo = c.command("EHLO client.example");
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_NE(ehlo.find("AUTH PLAIN LOGIN"), std::string::npos);
  EXPECT_EQ(c.command("AUTH PLAIN AGFsaWNlAHNlY3JldA=="),
            "235 2.7.0 Authentication successful\r\n");
  submit(c, "Subject: list\r\n\r\nlist\r\n.\r\n");
  EXPECT_EQ(c.reply(), "250 2.0.0 Accepted 23\r\n");
  EXPECT_EQ(c.command("QUIT"), "221 2.0.0 Bye\r\n");
  EXPECT_EQ(received(), 1u);
}

TEST_F(ServerTest, ImplicitTlsSubmissionWithPipelining) {
  start();
  Client c(tls_port_, true);
  EXPECT_EQ(c.reply(), "220 localhost ESMTP feedpop\r\n");
  c.write("EHLO client.example\r\nAUTH PLAIN AGJvYgBodW50ZXIy\r\nMAIL FROM:<bob@example.org>\r\n"
          "RCPT TO:<subscribe@localhost>\r\nDATA\r\n");
  EXPECT_NE(c.reply().find("250 AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256"), std::string::npos);
  EXPECT_EQ(c.reply(), "235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(c.reply(), "250 2.1.0 Sender OK\r\n");
  EXPECT_EQ(c.reply(), "250 2.1.5 Recipient OK\r\n");
  EXPECT_EQ(c.reply().substr(0, 3), "354");
  c.write("help\r\n.\r\nQUIT\r\n");
  EXPECT_EQ(c.reply(), "250 2.0.0 Accepted 6\r\n");
  EXPECT_EQ(c.reply(), "221 2.0.0 Bye\r\n");
  ASSERT_EQ(received(), 1u);
  EXPECT_EQ(received_[0].user, "bob");
}

TEST_F(ServerTest, OversizedDataAndHugeLinesAreBoundedAndOthersUnaffected) {
  start();
  Client hostile(port_);
  hostile.reply();
  hostile.login();
  submit(hostile, "");
  const std::string block(1000, 'x');
  std::string chunk;
  for (int i = 0; i < 1024; ++i) {
    chunk += block + "\r\n";
  }
  hostile.write(chunk); // 1 MB
  // Meanwhile another user submits normally.
  Client other(port_);
  other.reply();
  other.login();
  submit(other, "list\r\n.\r\n");
  EXPECT_EQ(other.reply(), "250 2.0.0 Accepted 6\r\n");
  hostile.write(chunk + ".\r\n"); // 2 MB in all
  EXPECT_EQ(hostile.reply(), "552 5.3.4 Message size exceeds fixed limit of 1048576 octets\r\n");
  // A 10 MB command line: refused once, never buffered whole; the session goes on.
  const std::string mega(1024 * 1024, 'A');
  for (int i = 0; i < 10; ++i) {
    hostile.write(mega);
  }
  hostile.write("\r\n");
  EXPECT_EQ(hostile.reply(), "500 5.5.2 Line too long\r\n");
  EXPECT_EQ(hostile.command("NOOP"), "250 2.0.0 OK\r\n");
  EXPECT_EQ(received(), 1u);
}

TEST_F(ServerTest, BareLfContentIsRefused) {
  start();
  Client c(port_);
  c.reply();
  c.login();
  submit(c, "Subject: x\n\nlist\n.\n");
  EXPECT_EQ(c.reply().substr(0, 9), "554 5.6.0");
  EXPECT_EQ(c.command("NOOP"), "250 2.0.0 OK\r\n");
  EXPECT_EQ(received(), 0u);
}

TEST_F(ServerTest, ASlowClientIsClosedAtTheLoginDeadline) {
  ServerOptions o;
  o.login_timeout = std::chrono::seconds(1);
  start(o);
  Client c(port_);
  c.reply();
  const auto started = Clock::now();
  // Bytes without a complete line do not extend the deadline.
  for (int i = 0; i < 8 && c.write("N"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(c.reply().substr(0, 9), "421 4.4.2");
  EXPECT_EQ(c.reply(), ""); // closed
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
}

TEST_F(ServerTest, IdleTimeoutAfterLoginRenewedByCommands) {
  ServerOptions o;
  o.login_timeout = std::chrono::seconds(30);
  o.idle_timeout = std::chrono::seconds(1);
  start(o);
  Client c(port_);
  c.reply();
  c.login();
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(c.command("NOOP"), "250 2.0.0 OK\r\n");
  }
  EXPECT_EQ(c.reply().substr(0, 9), "421 4.4.2");
  EXPECT_EQ(c.reply(), "");
}

TEST_F(ServerTest, ConnectionsPerAddressAreLimited) {
  ServerOptions o;
  o.max_per_address = 2;
  start(o);
  Client a(port_), b(port_);
  a.reply();
  b.reply();
  Client c(port_);
  EXPECT_EQ(c.reply(), "421 4.7.0 Too many connections, try again later\r\n");
  EXPECT_EQ(c.reply(), "");
  EXPECT_EQ(server_->stats().refused, 1u);
}

TEST_F(ServerTest, AFailedLoginIsAnsweredAfterTheThrottleDelay) {
  start();
  Client c(port_);
  c.reply();
  c.command("EHLO client.example");
  const auto started = Clock::now();
  EXPECT_EQ(c.command("AUTH PLAIN AGFsaWNlAHdyb25n"),
            "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(900));
}

TEST_F(ServerTest, ASlowPasswordCheckDoesNotHoldTheOnlyIoThread) {
  ServerOptions o;
  o.threads = 1;
  start(o);
  Client slow(port_), quick(port_);
  slow.reply();
  quick.reply();
  slow.command("EHLO client.example");
  credentials_->lookup_delay_ms_ = 1500;
  slow.write("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto started = Clock::now();
  EXPECT_EQ(quick.command("NOOP"), "250 2.0.0 OK\r\n");
  EXPECT_LT(Clock::now() - started, std::chrono::milliseconds(1000));
  EXPECT_EQ(slow.reply(), "235 2.7.0 Authentication successful\r\n");
}

TEST_F(ServerTest, AnAttemptTheThrottleRefusesGets421AndNoVerdict) {
  auth::ThrottleOptions t;
  t.per_address = std::chrono::milliseconds(1000);
  t.max_wait = std::chrono::milliseconds(500); // a second guess within 1 s is refused
  throttle_ = std::make_shared<auth::Throttle>(t);
  start();
  Client first(port_), second(port_);
  first.reply();
  second.reply();
  first.command("EHLO client.example");
  second.command("EHLO client.example");
  EXPECT_EQ(first.command("AUTH PLAIN AGFsaWNlAHdyb25n"),
            "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_EQ(second.command("AUTH PLAIN AGFsaWNlAHdyb25n").substr(0, 9), "421 4.7.0");
  EXPECT_EQ(second.reply(), "");
}

TEST_F(ServerTest, ShutdownClosesOpenSessions) {
  start();
  Client c(port_);
  c.reply();
  server_->shutdown(std::chrono::milliseconds(100));
  EXPECT_EQ(c.reply(), "");
  EXPECT_EQ(server_->stats().connections, 0u);
}

} // namespace
} // namespace feedpop::smtp
