#include "gateway/health_probe.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace feedpop::gateway {
namespace {

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

private:
  int fd_;
};

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return n > 0;
  }
}

HealthResult probe_address(const addrinfo& ai, Clock::time_point deadline) {
  Fd fd(::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol));
  if (fd.get() < 0) {
    return {false, fmt::format("socket: {}", std::strerror(errno))};
  }
  if (::connect(fd.get(), ai.ai_addr, ai.ai_addrlen) != 0 && errno != EINPROGRESS) {
    return {false, fmt::format("connect: {}", std::strerror(errno))};
  }
  if (!wait_for(fd.get(), POLLOUT, deadline)) {
    return {false, "connect: timed out"};
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    return {false, fmt::format("connect: {}", std::strerror(err))};
  }
  std::string greeting;
  while (greeting.find('\n') == std::string::npos && greeting.size() < 512) {
    if (!wait_for(fd.get(), POLLIN, deadline)) {
      return {false, "no greeting: timed out"};
    }
    char buf[512];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n <= 0) {
      return {false, greeting.empty() ? "connection closed without a greeting"
                                      : "connection closed in the greeting"};
    }
    greeting.append(buf, static_cast<std::size_t>(n));
  }
  if (const auto eol = greeting.find_first_of("\r\n"); eol != std::string::npos) {
    greeting.resize(eol);
  }
  static constexpr char quit[] = "QUIT\r\n";
  [[maybe_unused]] const auto sent = ::send(fd.get(), quit, sizeof quit - 1, MSG_NOSIGNAL);
  return {greeting.rfind("+OK", 0) == 0, greeting};
}

} // namespace

HealthResult probe_pop3(const std::string& host, std::uint16_t port,
                        std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &list); rc != 0) {
    return {false, fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc))};
  }
  HealthResult result{false, "no address"};
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    result = probe_address(*ai, deadline);
    if (result.ok) {
      break;
    }
  }
  ::freeaddrinfo(list);
  return result;
}

} // namespace feedpop::gateway
