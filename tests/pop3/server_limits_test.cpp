// The limits RELIABILITY.md states, measured on a real server over loopback sockets: the
// login time counted from accept, the output one session may hold, connections and
// descriptors.
#include <chrono>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "tests/pop3/server_support.hpp"

namespace feedpop::pop3 {
namespace {

namespace asio = boost::asio;
using testing::Client;
using testing::Running;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST(ServerLimits, LoginTimeoutCountsFromAcceptWhileTheClientSendsCapaAgainAndAgain) {
  ServerOptions o;
  o.login_timeout = 1s;
  Running r(o, false);
  Client c(r.port);
  const auto t0 = Clock::now();
  c.line();
  std::string reply;
  while (Clock::now() - t0 < 5s) {
    reply = c.say("CAPA");
    if (reply != "+OK Capability list follows") {
      break;
    }
    c.multiline();
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(reply, "-ERR Disconnected for inactivity.");
  EXPECT_LT(Clock::now() - t0, 3s); // a reset per command would last the whole 5 s
}

TEST(ServerLimits, LoginTimeoutCountsFromAcceptWhileBytesTrickleIn) {
  ServerOptions o;
  o.login_timeout = 1s;
  Running r(o, false);
  Client c(r.port);
  const auto t0 = Clock::now();
  c.line();
  // One byte every 200 ms of a command that never ends: the old per-read reset kept this
  // connection open for as long as the bytes came.
  boost::system::error_code ec;
  for (int i = 0; i < 25 && !ec; ++i) {
    asio::write(c.socket(), asio::buffer("N", 1), ec);
    std::this_thread::sleep_for(200ms);
    if (c.socket().available(ec) > 0) {
      break;
    }
  }
  EXPECT_EQ(c.line(), "-ERR Disconnected for inactivity.");
  EXPECT_LT(Clock::now() - t0, 3s); // a reset per command would last the whole 5 s
}

std::vector<testing::StoredMessage> many_messages(std::size_t n) {
  std::vector<testing::StoredMessage> out;
  const auto body = std::make_shared<const std::string>("Subject: x\r\n\r\nbody\r\n");
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({"feedpop-" + std::to_string(i) + "-" + std::string(40, 'u'), body});
  }
  return out;
}

TEST(ServerLimits, PipelinedUidlFromAClientThatNeverReadsHoldsBoundedOutput) {
  ServerOptions o;
  o.threads = 1;
  Running r(o, false);
  r.store->add_user("dave", Credentials{std::string("pw"), std::nullopt}, many_messages(2001));
  Client greedy(r.port);
  greedy.socket().set_option(asio::socket_base::receive_buffer_size(4096));
  greedy.line();
  greedy.say("USER dave");
  ASSERT_EQ(greedy.say("PASS pw"), "+OK Logged in.");
  std::string uidls;
  for (int i = 0; i < 3000; ++i) {
    uidls += "UIDL\r\n"; // 3000 listings of ~100 KB: 300 MB if built before being written
  }
  greedy.send(uidls); // and never read
  std::this_thread::sleep_for(500ms);
  const auto stats = r.server->stats();
  RecordProperty("peak_session_output", std::to_string(stats.peak_session_output));
  std::printf("peak output of one session: %zu octets\n", stats.peak_session_output);
  EXPECT_GT(stats.peak_session_output, 0u);
  EXPECT_LE(stats.peak_session_output, 256u * 1024);
  // Another session is served meanwhile, its listing complete.
  Client other(r.port);
  other.line();
  other.say("USER dave");
  other.say("PASS pw");
  EXPECT_EQ(other.say("UIDL"), "+OK");
  const auto listing = other.multiline();
  ASSERT_EQ(listing.size(), 2001u);
  EXPECT_EQ(listing.back(), "2001 feedpop-2000-" + std::string(40, 'u'));
  EXPECT_EQ(other.say("QUIT"), "+OK Logging out.");
  EXPECT_LE(r.server->stats().peak_session_output, 256u * 1024);
}

} // namespace
} // namespace feedpop::pop3
