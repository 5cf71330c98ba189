#include "gateway/health_probe.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <functional>
#include <optional>
#include <sstream>
#include <string_view>

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

using Exchange = std::function<HealthResult(int fd, Clock::time_point deadline)>;

HealthResult probe_address(const addrinfo& ai, Clock::time_point deadline,
                           const Exchange& exchange) {
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
  return exchange(fd.get(), deadline);
}

// Tries each address of host:port in turn until one answers healthy.
HealthResult probe(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout,
                   const Exchange& exchange) {
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
    result = probe_address(*ai, deadline, exchange);
    if (result.ok) {
      break;
    }
  }
  ::freeaddrinfo(list);
  return result;
}

// Reads until `done(text)` holds, the peer closes, `limit` octets arrived or the deadline;
// false on the deadline.
bool read_until(int fd, Clock::time_point deadline, std::string& text, std::size_t limit,
                const std::function<bool(const std::string&)>& done) {
  while (!done(text) && text.size() < limit) {
    if (!wait_for(fd, POLLIN, deadline)) {
      return false;
    }
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

HealthResult pop3_greeting(int fd, Clock::time_point deadline) {
  std::string greeting;
  const auto has_line = [](const std::string& t) { return t.find('\n') != std::string::npos; };
  if (!read_until(fd, deadline, greeting, 512, has_line)) {
    return {false, "no greeting: timed out"};
  }
  if (greeting.empty()) {
    return {false, "connection closed without a greeting"};
  }
  if (!has_line(greeting) && greeting.size() < 512) {
    return {false, "connection closed in the greeting"};
  }
  if (const auto eol = greeting.find_first_of("\r\n"); eol != std::string::npos) {
    greeting.resize(eol);
  }
  static constexpr char quit[] = "QUIT\r\n";
  [[maybe_unused]] const auto sent = ::send(fd, quit, sizeof quit - 1, MSG_NOSIGNAL);
  return {greeting.rfind("+OK", 0) == 0, greeting};
}

struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";
};

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) {
    return std::nullopt;
  }
  url.remove_prefix(scheme.size());
  HttpUrl out;
  const auto slash = url.find('/');
  if (slash != std::string_view::npos) {
    out.path = std::string(url.substr(slash));
    url = url.substr(0, slash);
  }
  // host, host:port, [v6] or [v6]:port
  const auto bracket = url.rfind(']');
  const auto colon = url.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    const auto digits = url.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
    url = url.substr(0, colon);
  }
  if (url.size() >= 2 && url.front() == '[' && url.back() == ']') {
    url = url.substr(1, url.size() - 2);
  }
  if (url.empty() || out.path.find_first_of(" \r\n") != std::string::npos) {
    return std::nullopt;
  }
  out.host = std::string(url);
  return out;
}

// One GET with "Connection: close": healthy on a 200 answer; the detail is the status
// line's code and the body's lines (a 503 from /healthz lists its reasons there).
HealthResult http_get(int fd, Clock::time_point deadline, const HttpUrl& url) {
  const auto request = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n"
                                   "User-Agent: feedpop-health\r\n\r\n",
                                   url.path, url.host);
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return {false, fmt::format("send: {}", std::strerror(errno))};
  }
  std::string response;
  if (!read_until(fd, deadline, response, 64 * 1024, [](const std::string&) { return false; })) {
    return {false, "no answer: timed out"};
  }
  // "HTTP/1.1 200 OK"
  if (!response.starts_with("HTTP/1.") || response.size() < 12 || response[8] != ' ') {
    return {false, "not an HTTP answer"};
  }
  const std::string code = response.substr(9, 3);
  std::string body;
  if (const auto end = response.find("\r\n\r\n"); end != std::string::npos) {
    body = response.substr(end + 4);
  }
  std::string detail = "HTTP " + code;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) {
      detail += (detail.size() == 8 ? ": " : "; ") + line;
    }
  }
  return {code == "200", detail};
}

} // namespace

HealthResult probe_pop3(const std::string& host, std::uint16_t port,
                        std::chrono::milliseconds timeout) {
  return probe(host, port, timeout, pop3_greeting);
}

HealthResult probe_http(const std::string& url, std::chrono::milliseconds timeout) {
  const auto parsed = parse_http_url(url);
  if (!parsed) {
    return {false, fmt::format("not an http:// URL with a host: {}", url)};
  }
  return probe(parsed->host, parsed->port, timeout,
               [&](int fd, Clock::time_point deadline) { return http_get(fd, deadline, *parsed); });
}

} // namespace feedpop::gateway
