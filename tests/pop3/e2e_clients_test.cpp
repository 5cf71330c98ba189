// End-to-end: real Debian clients (fetchmail, mpop, curl, Python poplib) against
// pop3::Server on 127.0.0.1 port 0 with real TLS and the realistic test messages.
// Each scenario lives in tests/pop3/e2e/clients.sh; a missing client skips its scenarios.
// When ../shared/clients exists, its Dovecot-validated scripts run too (skipped otherwise).
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "pop3/server.hpp"
#include "tests/pop3/memory_maildrop.hpp"
#include "tests/pop3/tls_support.hpp"

namespace feedpop::pop3 {
namespace {

namespace fs = std::filesystem;

class RealClients : public ::testing::TestWithParam<std::string> {
protected:
  static void SetUpTestSuite() {
    store_ = std::make_shared<testing::MemoryStore>();
    store_->add_user("alice", Credentials{std::string("secret"), std::nullopt},
                     testing::realistic_messages());
    ServerOptions o;
    o.listen = {{"127.0.0.1", 0}};
    o.tls_listen = {{"127.0.0.1", 0}};
    o.hostname = "localhost";
    o.threads = 2;
    const auto& cert = testing::test_certificate();
    server_ = new Server(o, std::make_shared<testing::MemoryAuthenticator>(store_),
                         make_tls_context(cert.cert, cert.key));
    for (const auto& b : server_->start()) {
      (b.implicit_tls ? tls_port_ : port_) = b.endpoint.port;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    store_.reset();
  }
  static int run(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static inline std::shared_ptr<testing::MemoryStore> store_;
  static inline Server* server_ = nullptr;
  static inline std::uint16_t port_ = 0, tls_port_ = 0;
};

TEST_P(RealClients, ScenarioPasses) {
  store_->reset_deletions();
  const fs::path work = testing::test_certificate().dir / GetParam();
  const std::string cmd =
      std::string(FEEDPOP_SOURCE_DIR) + "/tests/pop3/e2e/clients.sh " + GetParam() + " 127.0.0.1 " +
      std::to_string(port_) + " " + std::to_string(tls_port_) + " " +
      testing::test_certificate().cert.string() + " alice secret " +
      std::to_string(testing::realistic_messages().size()) + " " + work.string();
  const int rc = run(cmd);
  if (rc == 77) {
    GTEST_SKIP() << "client not installed";
  }
  EXPECT_EQ(rc, 0) << cmd;
  if (GetParam() == "mpop_keep_off") {
    EXPECT_EQ(store_->visible("alice"), 0u) << "keep off must delete at QUIT";
  } else {
    EXPECT_EQ(store_->visible("alice"), testing::realistic_messages().size());
  }
}

INSTANTIATE_TEST_SUITE_P(E2e, RealClients,
                         ::testing::Values("fetchmail_user_uidl", "fetchmail_apop",
                                           "fetchmail_cram", "fetchmail_stls", "fetchmail_pop3s",
                                           "mpop_user_keep", "mpop_plain", "mpop_cram",
                                           "mpop_scram", "mpop_apop", "mpop_stls", "mpop_pop3s",
                                           "mpop_keep_off", "curl_list_retr", "poplib"),
                         [](const auto& param_info) { return param_info.param; });

// ../shared/clients/run_all.sh (validated against Dovecot), when present. Long: opt-in.
TEST_F(RealClients, SharedClientScriptsPassWhenAvailable) {
  const fs::path shared = fs::path(FEEDPOP_SHARED_DIR) / "clients" / "run_all.sh";
  if (!fs::exists(shared)) {
    GTEST_SKIP() << "../shared/clients not present";
  }
  if (std::getenv("FEEDPOP_SHARED_CLIENTS") == nullptr) {
    GTEST_SKIP() << "set FEEDPOP_SHARED_CLIENTS=1 to run ../shared/clients (about 3 minutes)";
  }
  // The scripts delete mail and reset between clients: run them against the test-only
  // server executable, whose SIGHUP restores the mailbox.
  const auto& cert = testing::test_certificate();
  const fs::path work = cert.dir / "shared";
  fs::create_directories(work);
  const std::string cmd =
      "bash -c '" + std::string(FEEDPOP_BINARY_DIR) + "/tests/pop3_test_server --cert " +
      cert.cert.string() + " --key " + cert.key.string() + " --quiet > " + work.string() +
      "/ready & pid=$!; for i in $(seq 50); do grep -q READY " + work.string() +
      "/ready && break; sleep 0.1; done; read -r _ p t < " + work.string() + "/ready; " +
      shared.string() + " --reset-cmd \"kill -HUP $pid\" 127.0.0.1 $p $t alice secret " +
      cert.cert.string() + " " + std::to_string(testing::realistic_messages().size()) + " > " +
      work.string() + "/run_all.log 2>&1; rc=$?; kill $pid; exit $rc'";
  EXPECT_EQ(run(cmd), 0) << cmd;
}

} // namespace
} // namespace feedpop::pop3
