// End-to-end: real Debian clients (swaks, msmtp, Python's smtplib) against smtp::Server on
// 127.0.0.1 port 0 with real TLS, over STARTTLS and implicit TLS, with AUTH PLAIN, LOGIN,
// CRAM-MD5 and SCRAM-SHA-256. Each scenario lives in tests/smtp/e2e/clients.sh; a missing
// client skips its scenarios. The server's handler records what it accepted, and each
// scenario's message must arrive exactly once, from the right user, dot-unstuffed.
#include <cstdlib>
#include <mutex>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "smtp/server.hpp"
#include "tests/smtp/test_credentials.hpp"
#include "tests/smtp/tls_support.hpp"

namespace feedpop::smtp {
namespace {

struct Scenario {
  std::string name;
  std::string user; // empty: the message must be refused
};

class RealClients : public ::testing::TestWithParam<Scenario> {
protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.listen = {{"127.0.0.1", 0}};
    o.tls_listen = {{"127.0.0.1", 0}};
    o.hostname = "localhost";
    o.threads = 2;
    server_ = new Server(
        o, std::make_shared<testing::TestCredentials>(),
        [](Submission&& s) {
          std::lock_guard lock(mutex_);
          received_.push_back(std::move(s));
          return std::string("250 2.0.0 Accepted");
        },
        testing::server_tls_context());
    for (const auto& b : server_->start()) {
      (b.implicit_tls ? tls_port_ : port_) = b.endpoint.port;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static inline Server* server_ = nullptr;
  static inline std::uint16_t port_ = 0, tls_port_ = 0;
  static inline std::mutex mutex_;
  static inline std::vector<Submission> received_;
};

TEST_P(RealClients, ScenarioPasses) {
  const Scenario& s = GetParam();
  const std::string marker = "marker-" + s.name;
  const auto work = testing::test_certificate().dir / s.name;
  const std::string cmd = std::string(FEEDPOP_SOURCE_DIR) + "/tests/smtp/e2e/clients.sh " + s.name +
                          " 127.0.0.1 " + std::to_string(port_) + " " + std::to_string(tls_port_) +
                          " " + testing::test_certificate().cert.string() + " " + marker + " " +
                          work.string();
  const int status = std::system(cmd.c_str());
  const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (rc == 77) {
    GTEST_SKIP() << "client not installed";
  }
  ASSERT_EQ(rc, 0) << cmd;
  std::lock_guard lock(mutex_);
  std::vector<const Submission*> mine;
  for (const auto& r : received_) {
    if (r.content.find("\r\n." + marker + "\r\n") != std::string::npos) {
      mine.push_back(&r);
    }
  }
  if (s.user.empty()) {
    EXPECT_TRUE(mine.empty()) << "a refused message was accepted";
    return;
  }
  ASSERT_EQ(mine.size(), 1u) << "the message did not arrive exactly once, unstuffed";
  EXPECT_EQ(mine[0]->user, s.user);
  EXPECT_EQ(mine[0]->mail_from, s.user + "@example.org");
  ASSERT_EQ(mine[0]->recipients.size(), 1u);
  EXPECT_TRUE(mine[0]->recipients[0] == "feedpop@localhost" ||
              mine[0]->recipients[0] == "subscribe@localhost");
}

INSTANTIATE_TEST_SUITE_P(
    Clients, RealClients,
    ::testing::Values(
        Scenario{"swaks_starttls_plain", "alice"}, Scenario{"swaks_tls_plain", "bob"},
        Scenario{"swaks_tls_login", "alice"}, Scenario{"swaks_starttls_cram_md5", "alice"},
        Scenario{"swaks_relay_denied", ""}, Scenario{"swaks_no_auth", ""},
        Scenario{"msmtp_starttls_plain", "alice"}, Scenario{"msmtp_tls_plain", "alice"},
        Scenario{"msmtp_tls_scram", "bob"}, Scenario{"msmtp_starttls_scram", "bob"},
        Scenario{"python_starttls_login", "alice"}, Scenario{"python_tls_plain", "bob"},
        Scenario{"python_starttls_scram", "bob"}, Scenario{"python_tls_scram", "bob"},
        Scenario{"python_relay_denied", ""}, Scenario{"python_no_auth", ""}),
    [](const auto& param_info) { return param_info.param.name; });

} // namespace
} // namespace feedpop::smtp
