// Password guessing in parallel against a real pop3::Server on loopback: many connections
// guess at once, from one address or from many (127.0.0.2–17 are all loopback on Linux),
// and the verdicts they receive are counted. A verdict is the only thing a guesser learns,
// so the limits hold when no more verdicts arrive than the throttle's slots allow, counted
// from before the first connection to the end of the run. Late delivery on a loaded
// machine only lowers the count, so the bound does not flake.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pop3/server.hpp"
#include "tests/pop3/memory_maildrop.hpp"

namespace feedpop::pop3 {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class Connection {
public:
  Connection(const std::string& source, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Connection() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  bool ok() const { return fd_ >= 0; }
  bool send(const std::string& text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // One line without CRLF; nullopt on end of file, error or the deadline.
  std::optional<std::string> line(Clock::time_point deadline) {
    for (;;) {
      const auto end = buffer_.find("\r\n");
      if (end != std::string::npos) {
        std::string l = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return l;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        return std::nullopt;
      }
      char chunk[512];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return std::nullopt;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

private:
  int fd_ = -1;
  std::string buffer_;
};

struct Verdicts {
  std::mutex mutex;
  std::vector<Clock::time_point> at; // when each verdict arrived
  std::atomic<int> logged_in{0};
};

// Guesses `user`'s password (a fresh user name per guess when `user` is empty) from
// `source` until `deadline`, reconnecting whenever the server closes.
void guess(const std::string& source, std::uint16_t port, const std::string& user,
           Clock::time_point deadline, Verdicts& verdicts) {
  int n = 0;
  while (Clock::now() < deadline) {
    Connection c(source, port);
    const auto greeting = c.ok() ? c.line(deadline) : std::nullopt;
    if (!greeting || greeting->rfind("+OK", 0) != 0) {
      std::this_thread::sleep_for(50ms); // over the connection limit: try again soon
      continue;
    }
    for (;;) {
      ++n;
      // Built with append(): GCC 12's -Wrestrict misfires on operator+ chains at -O3.
      std::string name = user;
      if (name.empty()) {
        name.append("guess").append(source).append("x").append(std::to_string(n));
      }
      std::string command = "USER ";
      command.append(name).append("\r\nPASS wrong").append(std::to_string(n)).append("\r\n");
      if (!c.send(command)) {
        break;
      }
      const auto user_reply = c.line(deadline);
      const auto verdict = user_reply ? c.line(deadline) : std::nullopt;
      if (!verdict) {
        break;
      }
      if (verdict->rfind("-ERR [AUTH]", 0) == 0 || verdict->rfind("+OK", 0) == 0) {
        std::lock_guard lock(verdicts.mutex);
        verdicts.at.push_back(Clock::now());
        verdicts.logged_in += verdict->rfind("+OK", 0) == 0 ? 1 : 0;
      }
    }
  }
}

struct Attack {
  Clock::time_point start = Clock::now();
  Clock::time_point deadline;
  Verdicts verdicts;
  // `connections` threads, spread over `sources`, for `duration`.
  Attack(std::uint16_t port, const std::vector<std::string>& sources, std::size_t connections,
         const std::string& user, Clock::duration duration)
      : deadline(start + duration) {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < connections; ++i) {
      threads.emplace_back(guess, sources[i % sources.size()], port, user, deadline,
                           std::ref(verdicts));
    }
    for (auto& t : threads) {
      t.join();
    }
  }
  // Verdicts the slots allow in the run: one at the start, then one per interval.
  std::size_t allowed(Clock::duration interval) const {
    return static_cast<std::size_t>((deadline - start) / interval) + 1;
  }
};

std::unique_ptr<Server> start_server(std::shared_ptr<testing::MemoryStore> store,
                                     std::uint16_t& port) {
  ServerOptions o;
  o.listen = {{"127.0.0.1", 0}};
  o.threads = 2;
  o.hostname = "test.example";
  // A short cap on the doubling failure delay, so the run measures the slots: with the
  // default 15 s cap, parallel connections' verdicts would only pile up after 15 s.
  o.max_auth_failure_delay = 2s;
  auto server = std::make_unique<Server>(o, std::make_shared<testing::MemoryAuthenticator>(store));
  port = server->start().front().endpoint.port;
  return server;
}

bool loopback_source_usable(const std::string& source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0;
  ::close(fd);
  return ok;
}

TEST(GuessThrottle, SixtyFourParallelConnectionsFromOneAddressGetAtMostOneVerdictPerSecond) {
  std::uint16_t port = 0;
  auto server = start_server(testing::make_standard_store(), port);
  Attack attack(port, {"127.0.0.1"}, 64, "", 5s);
  const std::size_t got = attack.verdicts.at.size();
  RecordProperty("verdicts", static_cast<int>(got));
  EXPECT_GE(got, 1u); // the attack was answered at all
  EXPECT_LE(got, attack.allowed(1s)) << got << " verdicts in 5 s from one address";
  EXPECT_EQ(attack.verdicts.logged_in, 0);
}

TEST(GuessThrottle, ThirtyTwoConnectionsFromSixteenAddressesGetOneVerdictPerTwoSecondsPerUser) {
  std::vector<std::string> sources;
  for (int i = 2; i < 18; ++i) {
    sources.push_back(std::string("127.0.0.").append(std::to_string(i)));
  }
  if (!loopback_source_usable(sources.back())) {
    GTEST_SKIP() << "cannot bind to 127.0.0.17 here";
  }
  std::uint16_t port = 0;
  auto server = start_server(testing::make_standard_store(), port);
  Attack attack(port, sources, 32, "alice", 6s);
  const std::size_t got = attack.verdicts.at.size();
  RecordProperty("verdicts", static_cast<int>(got));
  EXPECT_GE(got, 1u);
  EXPECT_LE(got, attack.allowed(2s)) << got << " verdicts on one user in 6 s";
  EXPECT_EQ(attack.verdicts.logged_in, 0);
}

TEST(GuessThrottle, ASessionIsClosedAfterThreeFailures) {
  ServerOptions o;
  o.listen = {{"127.0.0.1", 0}};
  o.threads = 1;
  auth::ThrottleOptions none; // no waiting: this test is about the count
  none.per_address = none.per_user = none.failure_delay = none.max_failure_delay = 0ms;
  o.throttle = std::make_shared<auth::Throttle>(none);
  Server server(o, std::make_shared<testing::MemoryAuthenticator>(testing::make_standard_store()));
  const auto port = server.start().front().endpoint.port;
  Connection c("127.0.0.1", port);
  const auto deadline = Clock::now() + 10s;
  ASSERT_TRUE(c.line(deadline));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("USER alice\r\nPASS wrong\r\n"));
    EXPECT_EQ(c.line(deadline), "+OK");
    EXPECT_EQ(c.line(deadline), "-ERR [AUTH] Authentication failed.");
  }
  c.send("USER alice\r\n");
  EXPECT_EQ(c.line(deadline), std::nullopt); // closed
}

// A credential lookup that takes as long as a slow PBKDF2 while `slow` is set.
class SlowAuthenticator : public testing::MemoryAuthenticator {
public:
  using MemoryAuthenticator::MemoryAuthenticator;
  std::optional<Credentials> lookup(std::string_view user) override {
    if (slow) {
      std::this_thread::sleep_for(2s);
    }
    return MemoryAuthenticator::lookup(user);
  }
  std::atomic<bool> slow{false};
};

TEST(AuthOffIoThreads, ASlowPasswordCheckDoesNotHoldTheOnlyIoThread) {
  ServerOptions o;
  o.listen = {{"127.0.0.1", 0}};
  o.threads = 1;
  auto authenticator = std::make_shared<SlowAuthenticator>(testing::make_standard_store());
  Server server(o, authenticator);
  const auto port = server.start().front().endpoint.port;
  const auto deadline = Clock::now() + 20s;
  Connection reader("127.0.0.1", port);
  ASSERT_TRUE(reader.line(deadline));
  reader.send("USER alice\r\nPASS secret\r\n");
  ASSERT_EQ(reader.line(deadline), "+OK");
  ASSERT_EQ(reader.line(deadline), "+OK Logged in.");
  authenticator->slow = true;
  Connection guesser("127.0.0.1", port);
  ASSERT_TRUE(guesser.line(deadline));
  guesser.send("USER carol\r\n");
  ASSERT_EQ(guesser.line(deadline), "+OK");
  guesser.send("PASS pw\r\n");
  // While carol's check runs (2 s), the io thread still serves the other session.
  reader.send("STAT\r\n");
  EXPECT_EQ(reader.line(deadline), "+OK 3 133");
  EXPECT_EQ(guesser.line(Clock::now() + 50ms), std::nullopt); // not answered yet
  EXPECT_EQ(guesser.line(deadline), "+OK Logged in.");
}

} // namespace
} // namespace feedpop::pop3
