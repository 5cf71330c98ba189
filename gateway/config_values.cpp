// The value syntaxes of feeds.yaml: durations, sizes, listen addresses, SCRAM verifiers.

#include <arpa/inet.h>
#include <array>

#include <fmt/format.h>

#include "auth/scram.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "gateway/config.hpp"
#include "gateway/config_loader.hpp"

namespace feedpop::gateway {

using config_detail::parse_int;

namespace {

// Strict base64 (RFC 4648 §4, padded); the decoded length, or nullopt.
// Decoded length of strict RFC 4648 base64, or nullopt when `text` is not that.
std::optional<std::size_t> base64_decoded_size(const std::string& text) {
  const auto bytes = text.empty() ? std::nullopt : base64::decode(text);
  return bytes ? std::optional<std::size_t>(bytes->size()) : std::nullopt;
}

} // namespace

std::optional<std::chrono::seconds> parse_duration(const std::string& text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    while (i < text.size() && ascii::is_digit(text[i])) {
      ++i;
    }
    if (i == start || i == text.size() || i - start > 9) {
      return std::nullopt; // a number without unit, or an absurd one
    }
    const std::uint64_t number =
        *parse_int<std::uint64_t>(std::string_view(text).substr(start, i - start));
    std::uint64_t unit = 0;
    switch (text[i]) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 7 * 86400;
      break;
    default:
      return std::nullopt;
    }
    ++i;
    total += number * unit;
    if (total > 10ULL * 365 * 86400) {
      return std::nullopt; // ten years: certainly a typo
    }
  }
  return std::chrono::seconds(static_cast<std::int64_t>(total));
}

std::optional<std::uint64_t> parse_size(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && ascii::is_digit(text[i])) {
    ++i;
  }
  if (i == 0 || i > 15) {
    return std::nullopt;
  }
  const std::uint64_t number = *parse_int<std::uint64_t>(std::string_view(text).substr(0, i));
  static const std::array<std::pair<const char*, std::uint64_t>, 9> units = {{
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000ULL * 1000 * 1000},
      {"tb", 1000ULL * 1000 * 1000 * 1000},
      {"kib", 1024},
      {"mib", 1024 * 1024},
      {"gib", 1024ULL * 1024 * 1024},
      {"tib", 1024ULL * 1024 * 1024 * 1024},
  }};
  const std::string unit = ascii::lower(text.substr(i));
  if (unit.empty()) {
    return number;
  }
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      return number * factor; // ≤ 10^15 · 2^40 would overflow; 15 digits of TiB is absurd
    }
  }
  return std::nullopt;
}

std::optional<ListenAddress> parse_listen_address(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) != 1) {
      return std::nullopt;
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) {
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host == "*") {
      host = "0.0.0.0";
    } else if (host == "localhost") {
      host = "127.0.0.1";
    }
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1) {
      return std::nullopt;
    }
  }
  const auto number = parse_int<std::uint16_t>(port);
  if (!number) {
    return std::nullopt;
  }
  return ListenAddress{host, *number};
}

std::optional<std::string> scram_format_error(const std::string& text) {
  const std::string prefix = "SCRAM-SHA-256$";
  if (text.rfind(prefix, 0) != 0) {
    return "expected a verifier starting with 'SCRAM-SHA-256$' (see `feedpop passwd`)";
  }
  const std::string rest = text.substr(prefix.size());
  const auto dollar = rest.find('$');
  const auto colon1 = rest.find(':');
  const auto colon2 = rest.find(':', dollar == std::string::npos ? rest.size() : dollar);
  if (dollar == std::string::npos || colon1 > dollar || colon2 == std::string::npos) {
    return "expected 'SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>'";
  }
  const auto iterations = parse_int<std::uint32_t>(rest.substr(0, colon1));
  // RFC 7677 §4: at least 4096 iterations; above auth::scram_max_iterations one login
  // would cost more CPU than a server can spend on anyone who asks.
  if (!iterations || *iterations < 4096 || *iterations > auth::scram_max_iterations) {
    return fmt::format("the iteration count must be a number from 4096 to {} (RFC 7677 §4; "
                       "a login may cost no more)",
                       auth::scram_max_iterations);
  }
  const auto salt = base64_decoded_size(rest.substr(colon1 + 1, dollar - colon1 - 1));
  if (!salt || *salt < 8) {
    return "the salt must be base64 of at least 8 bytes";
  }
  const auto stored = base64_decoded_size(rest.substr(dollar + 1, colon2 - dollar - 1));
  const auto server = base64_decoded_size(rest.substr(colon2 + 1));
  if (!stored || !server || *stored != 32 || *server != 32) {
    return "StoredKey and ServerKey must each be base64 of 32 bytes (SHA-256)";
  }
  return std::nullopt;
}

} // namespace feedpop::gateway
