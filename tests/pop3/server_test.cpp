// pop3::Server over real sockets on 127.0.0.1 (port 0) with real TLS: STLS, implicit TLS,
// the STLS injection case, limits, auth-failure delays, backpressure, shutdown.
#include <chrono>
#include <future>
#include <thread>
#include <utility> // before Boost 1.74 Asio headers (awaitable.hpp needs it)

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "pop3/server.hpp"
#include "tests/pop3/server_support.hpp"

namespace feedpop::pop3 {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using testing::Client;
using testing::Running;

TEST(Server, ServesAPlainSessionOnAnEphemeralPort) {
  Running r;
  ASSERT_NE(r.port, 0);
  Client c(r.port);
  EXPECT_EQ(c.line().rfind("+OK feedpop ready. <", 0), 0u);
  EXPECT_EQ(c.say("CAPA"), "+OK Capability list follows");
  const auto capa = c.multiline();
  EXPECT_NE(std::find(capa.begin(), capa.end(), "STLS"), capa.end());
  EXPECT_EQ(c.say("USER alice"), "+OK");
  EXPECT_EQ(c.say("PASS secret"), "+OK Logged in.");
  EXPECT_EQ(c.say("RETR 2"), "+OK 48 octets");
  EXPECT_EQ(c.multiline(), (std::vector<std::string>{"Subject: two", "", "first", "..hidden",
                                                     "...two", "..", "last"}));
  EXPECT_EQ(c.say("QUIT"), "+OK Logging out.");
  EXPECT_EQ(c.line(), "<End of file>");
}

TEST(Server, StlsUpgradesAndDropsStlsFromCapa) {
  Running r;
  Client c(r.port);
  c.line();
  EXPECT_EQ(c.say("STLS"), "+OK Begin TLS negotiation now.");
  c.start_tls();
  EXPECT_EQ(c.say("CAPA"), "+OK Capability list follows");
  const auto capa = c.multiline();
  EXPECT_EQ(std::find(capa.begin(), capa.end(), "STLS"), capa.end());
  EXPECT_EQ(c.say("USER alice"), "+OK");
  EXPECT_EQ(c.say("PASS secret"), "+OK Logged in.");
  EXPECT_EQ(c.say("STAT"), "+OK 3 133");
}

TEST(Server, CommandsPipelinedAfterStlsAreDiscardedNotExecutedInsideTls) {
  Running r;
  Client c(r.port);
  c.line();
  // The STARTTLS command-injection attack: plaintext commands in the STLS packet.
  c.send("STLS\r\nUSER alice\r\nPASS secret\r\n");
  EXPECT_EQ(c.line(), "+OK Begin TLS negotiation now.");
  c.start_tls();
  // Were the injected commands executed, their replies would come first / we'd be in.
  EXPECT_EQ(c.say("STAT"), "-ERR Command not valid in this state, log in first.");
}

TEST(Server, ImplicitTlsGreetsAfterTheHandshake) {
  Running r;
  Client c(r.tls_port, true);
  EXPECT_EQ(c.line().rfind("+OK feedpop ready.", 0), 0u);
  EXPECT_EQ(c.say("STLS"), "-ERR TLS is already active.");
  EXPECT_EQ(c.say("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), "+OK Logged in.");
  EXPECT_EQ(c.say("LIST 3"), "+OK 3 41");
}

TEST(Server, RefusesTls11) {
  Running r;
  Client c(r.tls_port);
  EXPECT_THROW(c.start_tls(TLS1_1_VERSION), boost::system::system_error);
}

TEST(Server, OverThePerAddressLimitAnswersSysTempAndCloses) {
  ServerOptions o;
  o.max_per_address = 1;
  Running r(o);
  Client first(r.port);
  EXPECT_EQ(first.line().rfind("+OK", 0), 0u);
  Client second(r.port);
  EXPECT_EQ(second.line(), "-ERR [SYS/TEMP] Too many connections, try again later.");
  EXPECT_EQ(second.line(), "<End of file>");
  EXPECT_EQ(first.say("NOOP"), "-ERR Command not valid in this state, log in first.");
}

TEST(Server, FailedAuthIsDelayedWithoutStallingOtherSessions) {
  ServerOptions o;
  o.threads = 1; // the delay must be asynchronous even on a single io thread
  // The failure delay alone: no per-address or per-user slots (tests/pop3/throttle_test.cpp).
  auth::ThrottleOptions unthrottled;
  unthrottled.per_address = unthrottled.per_user = std::chrono::milliseconds(0);
  o.throttle = std::make_shared<auth::Throttle>(unthrottled);
  Running r(o);
  Client bad(r.port);
  bad.line();
  bad.say("USER alice");
  const auto t0 = Clock::now();
  bad.send("PASS wrong\r\n");
  // Meanwhile another client gets a whole session done.
  Client good(r.port);
  good.line();
  good.say("USER alice");
  EXPECT_EQ(good.say("PASS secret"), "+OK Logged in.");
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(900));
  EXPECT_EQ(bad.line(), "-ERR [AUTH] Authentication failed.");
  EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(1000));
}

TEST(Server, LargeRetrToAStalledReaderDoesNotDelayOthers) {
  ServerOptions o;
  o.threads = 1;
  Running r(o);
  const std::string big = "Subject: big\r\n\r\n" + std::string(8 * 1024 * 1024, 'x') + "\r\n";
  r.store->deliver("alice", {"uid-big", std::make_shared<const std::string>(big)});
  Client slow(r.port);
  slow.socket().set_option(asio::socket_base::receive_buffer_size(4096));
  slow.line();
  slow.say("USER alice");
  slow.say("PASS secret");
  slow.send("RETR 4\r\n"); // and never read
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client other(r.port);
  const auto t0 = Clock::now();
  other.line();
  other.say("USER alice");
  other.say("PASS secret");
  EXPECT_EQ(other.say("LIST 4"), "+OK 4 " + std::to_string(big.size()));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  // The slow reader still gets every byte, in order.
  EXPECT_EQ(slow.line(), "+OK " + std::to_string(big.size()) + " octets");
  EXPECT_EQ(slow.line(), "Subject: big");
}

TEST(Server, LoginTimeoutDisconnectsIdleUnauthenticatedClients) {
  ServerOptions o;
  o.login_timeout = std::chrono::seconds(1);
  Running r(o);
  Client c(r.port);
  c.line();
  EXPECT_EQ(c.line(), "-ERR Disconnected for inactivity.");
  EXPECT_EQ(c.line(), "<End of file>");
}

TEST(Server, ShutdownClosesIdleSessionsAfterTheGrace) {
  Running r;
  Client c(r.port);
  c.line();
  const auto t0 = Clock::now();
  r.server->shutdown(std::chrono::milliseconds(200));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
  EXPECT_EQ(c.line(), "<End of file>");
  EXPECT_EQ(r.server->stats().connections, 0u);
  EXPECT_THROW(Client(r.port), boost::system::system_error);
}

TEST(Server, ReloadedAuthenticatorServesNewConnections) {
  Running r;
  auto other = std::make_shared<testing::MemoryStore>();
  other->add_user("dave", Credentials{std::string("pw2"), std::nullopt}, {});
  r.server->set_authenticator(std::make_shared<testing::MemoryAuthenticator>(other));
  Client c(r.port);
  c.line();
  c.say("USER dave");
  EXPECT_EQ(c.say("PASS pw2"), "+OK Logged in.");
  EXPECT_EQ(c.say("STAT"), "+OK 0 0");
}

TEST(Server, LockSessionGivesInUseToASecondSessionUntilTheFirstDisconnects) {
  ServerOptions o;
  o.lock_session = true;
  Running r(o);
  auto first = std::make_unique<Client>(r.port);
  first->line();
  first->say("USER alice");
  EXPECT_EQ(first->say("PASS secret"), "+OK Logged in.");
  Client second(r.port);
  second.line();
  second.say("USER alice");
  EXPECT_EQ(second.say("PASS secret"), "-ERR [IN-USE] Mailbox is locked by another POP3 session.");
  first.reset(); // dropped connection releases the lock
  for (int i = 0; i < 50 && r.server->stats().connections > 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  second.say("USER alice");
  EXPECT_EQ(second.say("PASS secret"), "+OK Logged in.");
}

TEST(Server, ListensOnIpv6Loopback) {
  ServerOptions o;
  o.listen = {{"::1", 0}};
  std::unique_ptr<Running> r;
  try {
    r = std::make_unique<Running>(o, false);
  } catch (const std::system_error& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  asio::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(asio::ip::make_address("::1"), r->port));
  asio::streambuf buf;
  asio::read_until(s, buf, "\r\n");
  EXPECT_EQ(std::string(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + 3),
            "+OK");
}

TEST(Server, BindFailureNamesTheEndpoint) {
  Running r;
  ServerOptions o;
  o.listen = {{"127.0.0.1", r.port}};
  Server s(o, std::make_shared<testing::MemoryAuthenticator>(r.store));
  try {
    s.start();
    FAIL() << "bound a port in use";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(r.port)), std::string::npos);
  }
}

TEST(Server, TlsContextNamesAMissingFile) {
  try {
    make_tls_context("/nonexistent/cert.pem", "/nonexistent/key.pem");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/cert.pem"), std::string::npos);
  }
}

} // namespace
} // namespace feedpop::pop3
