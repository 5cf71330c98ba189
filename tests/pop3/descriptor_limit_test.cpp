// Connections against RLIMIT_NOFILE (pop3/descriptors.hpp): a server in a child process
// with a low soft limit caps its connections at what the limit leaves after the reserve,
// refuses the rest cleanly, and keeps descriptors for the store: logins (which open a
// file, as SQLite does) keep working at the cap. Also: per_address counts IPv6 per /64.
#include <chrono>
#include <cstdio>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "pop3/connection.hpp"
#include "pop3/descriptors.hpp"
#include "pop3/server.hpp"
#include "tests/pop3/memory_maildrop.hpp"

namespace feedpop::pop3 {
namespace {

// Opens a file for every maildrop, as the SQLite store opens its database: a login fails
// when the process has no descriptor left.
class FileOpeningAuthenticator : public testing::MemoryAuthenticator {
public:
  using MemoryAuthenticator::MemoryAuthenticator;
  std::unique_ptr<Maildrop> open(std::string_view user) override {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw MaildropError("cannot open the store: too many open files");
    }
    ::close(fd);
    return MemoryAuthenticator::open(user);
  }
};

// A raw client: replies are read with a timeout, so a server that stops accepting shows
// as "<timeout>" instead of hanging the test.
class RawClient {
public:
  explicit RawClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  std::string line(int timeout_ms = 3000) {
    for (;;) {
      if (const auto end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string l = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return l;
      }
      pollfd p{fd_, POLLIN, 0};
      if (!connected_ || ::poll(&p, 1, timeout_ms) != 1) {
        return "<timeout>";
      }
      char chunk[512];
      const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return "<eof>";
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  std::string say(const std::string& command) {
    const std::string text = command + "\r\n";
    if (::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
      return "<send failed>";
    }
    return line();
  }

private:
  int fd_;
  bool connected_ = false;
  std::string buffer_;
};

// Runs a server with soft RLIMIT_NOFILE `soft` in a child; returns its pid, port and
// connection limit. The child serves until `stop` is closed.
struct Child {
  pid_t pid = -1;
  std::uint16_t port = 0;
  std::size_t limit = 0;
  int stop = -1;
};

Child start_child(rlim_t soft, std::size_t reserve) {
  int ready[2], stop[2];
  EXPECT_EQ(::pipe(ready), 0);
  EXPECT_EQ(::pipe(stop), 0);
  std::fflush(nullptr); // the child must not write out the parent's buffered output
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    ::close(stop[1]);
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = soft;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      ::_exit(3);
    }
    ServerOptions o;
    o.listen = {{"127.0.0.1", 0}};
    o.threads = 1;
    o.hostname = "test.example";
    o.max_per_address = 100000;
    o.descriptor_reserve = reserve;
    Server server(o, std::make_shared<FileOpeningAuthenticator>(testing::make_standard_store()));
    const auto bound = server.start();
    const std::string msg = std::to_string(bound.at(0).endpoint.port) + " " +
                            std::to_string(server.stats().connection_limit) + "\n";
    if (::write(ready[1], msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) {
      ::_exit(4);
    }
    char c = 0;
    while (::read(stop[0], &c, 1) > 0) {
    }
    server.shutdown(std::chrono::milliseconds(0));
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(stop[0]);
  Child child;
  child.pid = pid;
  child.stop = stop[1];
  char buf[64] = {};
  const auto n = ::read(ready[0], buf, sizeof buf - 1);
  ::close(ready[0]);
  if (n > 0) {
    const std::string text(buf, static_cast<std::size_t>(n));
    child.port = static_cast<std::uint16_t>(std::stoul(text));
    child.limit = std::stoul(text.substr(text.find(' ') + 1));
  }
  return child;
}

int stop_child(const Child& child) {
  ::close(child.stop);
  int status = 0;
  ::waitpid(child.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(DescriptorLimit, ConnectionsPastWhatTheLimitLeavesAreRefusedCleanly) {
  const Child child = start_child(64, 16);
  ASSERT_NE(child.port, 0);
  RecordProperty("connection_limit", std::to_string(child.limit));
  std::printf("RLIMIT_NOFILE 64, reserve 16: %zu connections\n", child.limit);
  // 64 descriptors, minus the reserve, minus what the process had open (stdio, epoll, ...)
  EXPECT_GT(child.limit, 20u);
  EXPECT_LE(child.limit, 64u - 16u);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (std::size_t i = 0; i < child.limit; ++i) {
    clients.push_back(std::make_unique<RawClient>(child.port));
    ASSERT_EQ(clients.back()->line().rfind("+OK feedpop ready.", 0), 0u) << "connection " << i;
  }
  // At the cap, sessions still log in: the store still gets its descriptors.
  EXPECT_EQ(clients[0]->say("USER alice"), "+OK");
  EXPECT_EQ(clients[0]->say("PASS secret"), "+OK Logged in.");
  // Past the cap (and past what RLIMIT_NOFILE would allow at all): refused, not hung.
  for (int i = 0; i < 30; ++i) {
    RawClient extra(child.port);
    EXPECT_EQ(extra.line(), "-ERR [SYS/TEMP] Too many connections, try again later.") << i;
    EXPECT_EQ(extra.line(), "<eof>");
  }
  EXPECT_EQ(clients[0]->say("STAT"), "+OK 3 133");
  EXPECT_EQ(clients[1]->say("USER alice"), "+OK");
  EXPECT_EQ(clients[1]->say("PASS secret"), "+OK Logged in.");
  // A freed slot serves a new login.
  EXPECT_EQ(clients.back()->say("QUIT"), "+OK Logging out.");
  clients.pop_back();
  std::string greeting;
  for (int i = 0; i < 50; ++i) {
    RawClient next(child.port);
    greeting = next.line();
    if (greeting.rfind("+OK", 0) == 0) {
      EXPECT_EQ(next.say("USER bob"), "+OK");
      EXPECT_EQ(next.say("PASS hunter2"), "+OK Logged in.");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(greeting.rfind("+OK feedpop ready.", 0), 0u);
  clients.clear();
  EXPECT_EQ(stop_child(child), 0);
}

TEST(DescriptorLimit, ConnectionsAllowedKeepsTheReserve) {
  EXPECT_EQ(connections_allowed(1024, 10, 72), 942u);
  EXPECT_EQ(connections_allowed(64, 60, 16), 0u);
  const auto limit = descriptor_limit();
  EXPECT_GT(limit.soft, 0u);
  EXPECT_GE(limit.hard, limit.soft);
  EXPECT_GT(open_descriptors(), 2u); // stdin, stdout, stderr at least
}

TEST(DescriptorLimit, PerAddressCountsIpv6PerSlash64AndIpv4PerAddress) {
  namespace ip = boost::asio::ip;
  using detail::address_group;
  EXPECT_EQ(address_group(ip::make_address("2001:db8:1:2::1")),
            address_group(ip::make_address("2001:db8:1:2:ffff:eeee:dddd:cccc")));
  EXPECT_EQ(address_group(ip::make_address("2001:db8:1:2::1")), "2001:db8:1:2::/64");
  EXPECT_NE(address_group(ip::make_address("2001:db8:1:2::1")),
            address_group(ip::make_address("2001:db8:1:3::1")));
  EXPECT_EQ(address_group(ip::make_address("192.0.2.7")), "192.0.2.7");
  EXPECT_NE(address_group(ip::make_address("192.0.2.7")),
            address_group(ip::make_address("192.0.2.8")));
  EXPECT_EQ(address_group(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
}

} // namespace
} // namespace feedpop::pop3
