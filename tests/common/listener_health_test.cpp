// ListenerHealth: a listener is down from its first failed accept until one succeeds, and
// says since when and why; listeners that accept report nothing.
#include "common/listener_health.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace feedpop {
namespace {

TEST(ListenerHealth, AFailedAcceptMakesAListenerDownUntilOneSucceeds) {
  ListenerHealth health;
  auto& pop3 = health.add("POP3 listener 127.0.0.1:1110");
  auto& web = health.add("HTTP listener 127.0.0.1:8080");
  EXPECT_TRUE(health.problems().empty());
  EXPECT_FALSE(pop3.accepted()) << "an accept that ends no failure";
  EXPECT_TRUE(web.failed("Too many open files")) << "the failure that takes it down";
  ASSERT_EQ(health.problems().size(), 1u);
  EXPECT_EQ(
      health.problems()[0],
      "HTTP listener 127.0.0.1:8080: not accepting connections for 0 s (Too many open files)");
  EXPECT_FALSE(web.failed("No buffer space available")); // still down since the first
  EXPECT_NE(health.problems()[0].find("No buffer space available"), std::string::npos);
  EXPECT_TRUE(web.accepted()) << "the accept that ends the failure";
  EXPECT_FALSE(web.accepted());
  EXPECT_TRUE(health.problems().empty());
}

TEST(ListenerHealth, ConcurrentReportsAreSafe) {
  ListenerHealth health;
  auto& l = health.add("SMTP listener 127.0.0.1:1587");
  std::thread failing([&] {
    for (int i = 0; i < 10000; ++i) {
      l.failed("EMFILE");
    }
  });
  std::thread reading([&] {
    for (int i = 0; i < 1000; ++i) {
      EXPECT_LE(health.problems().size(), 1u);
    }
  });
  failing.join();
  reading.join();
  EXPECT_EQ(health.problems().size(), 1u);
  l.accepted();
  EXPECT_TRUE(health.problems().empty());
}

} // namespace
} // namespace feedpop
