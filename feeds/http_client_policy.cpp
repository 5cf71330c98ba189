// The value side of http_client.hpp: which addresses are private, which redirects are
// safe, and the small functions on results.

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "feeds/http_client.hpp"

namespace feedpop::feeds {

namespace {

constexpr const char* project_url = "https://github.com/feedpop/feedpop";

bool in_v4(std::uint32_t ip, std::uint32_t net, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (ip & mask) == net;
}

bool private_v4(std::uint32_t ip) {
  return in_v4(ip, 0x00000000, 8) ||  // 0.0.0.0/8 "this network" (0.0.0.0 reaches localhost)
         in_v4(ip, 0x0a000000, 8) ||  // 10/8 (RFC 1918)
         in_v4(ip, 0x64400000, 10) || // 100.64/10 shared address space (RFC 6598)
         in_v4(ip, 0x7f000000, 8) ||  // loopback
         in_v4(ip, 0xa9fe0000, 16) || // 169.254/16 link-local (cloud metadata services)
         in_v4(ip, 0xac100000, 12) || // 172.16/12 (RFC 1918)
         in_v4(ip, 0xc0000000, 24) || // 192.0.0/24 IETF protocol assignments
         in_v4(ip, 0xc0a80000, 16) || // 192.168/16 (RFC 1918)
         in_v4(ip, 0xc6120000, 15) || // 198.18/15 benchmarking (RFC 2544)
         in_v4(ip, 0xe0000000, 4) ||  // multicast
         in_v4(ip, 0xf0000000, 4);    // reserved, broadcast
}

std::uint32_t v4_at(const std::array<unsigned char, 16>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]};
}

bool starts_with_bytes(const std::array<unsigned char, 16>& b,
                       std::initializer_list<unsigned char> prefix) {
  return std::equal(prefix.begin(), prefix.end(), b.begin());
}

bool private_v6(const std::array<unsigned char, 16>& b) {
  const bool first_80_zero = std::all_of(b.begin(), b.begin() + 10, [](auto c) { return c == 0; });
  if (first_80_zero && b[10] == 0xff && b[11] == 0xff) {
    return private_v4(v4_at(b, 12)); // ::ffff:a.b.c.d, IPv4-mapped
  }
  if (first_80_zero && b[10] == 0 && b[11] == 0) {
    return true; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
  }
  if (starts_with_bytes(b, {0x00, 0x64, 0xff, 0x9b})) {
    return private_v4(v4_at(b, 12)); // 64:ff9b::/96 NAT64
  }
  if (b[0] == 0x20 && b[1] == 0x02) {
    return private_v4(v4_at(b, 2)); // 2002::/16 6to4
  }
  return (b[0] & 0xfe) == 0xfc ||                   // fc00::/7 unique local
         (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || // fe80::/10 link-local
         (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) || // fec0::/10 site-local (deprecated)
         b[0] == 0xff;                              // multicast
}

std::string scheme_of(const std::string& url) {
  const auto colon = url.find(':');
  return colon == std::string::npos ? std::string() : ascii::lower(url.substr(0, colon));
}

} // namespace

std::string default_user_agent() {
  return fmt::format("feedpop/{} (+{})", FEEDPOP_VERSION, project_url);
}

bool is_private_address(const std::string& ip) {
  in_addr v4{};
  if (::inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    return private_v4(ntohl(v4.s_addr));
  }
  std::array<unsigned char, 16> v6{};
  if (::inet_pton(AF_INET6, ip.c_str(), v6.data()) == 1) {
    return private_v6(v6);
  }
  return true;
}

bool redirect_downgrades(const std::string& from, const std::string& to) {
  return scheme_of(from) == "https" && scheme_of(to) != "https";
}

std::optional<std::string> ResponseInfo::permanent_target() const {
  if (redirects.empty() ||
      !std::all_of(redirects.begin(), redirects.end(), [](auto& r) { return r.permanent(); }) ||
      redirect_downgrades(redirects.front().from, redirects.back().to)) {
    return std::nullopt;
  }
  return redirects.back().to;
}

const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
  case FailureKind::transport:
    return "transport";
  case FailureKind::timeout:
    return "timeout";
  case FailureKind::http_status:
    return "http_status";
  case FailureKind::too_large:
    return "too_large";
  case FailureKind::redirect_loop:
    return "redirect_loop";
  case FailureKind::too_many_redirects:
    return "too_many_redirects";
  case FailureKind::bad_redirect:
    return "bad_redirect";
  case FailureKind::insecure_redirect:
    return "insecure_redirect";
  case FailureKind::private_address:
    return "private_address";
  case FailureKind::cancelled:
    return "cancelled";
  }
  return "unknown";
}

} // namespace feedpop::feeds
