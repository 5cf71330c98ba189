#include "auth/credentials.hpp"

#include <atomic>
#include <chrono>

#include <unistd.h>

#include "auth/crypto.hpp"
#include "auth/scram.hpp"
#include "common/ascii.hpp"

namespace feedpop::auth {
namespace {

bool token_char(char c) {
  return ascii::is_alnum(c) || c == '.' || c == '@' || c == '_' || c == '-' || c == '+' || c == '/';
}

// Compares a client's hex digest with the one computed from the plaintext secret; users
// without a plaintext secret get a random digest (same work, never matches).
template <class Compute>
bool verify_digest(const std::optional<Credentials>& credentials, std::string_view digest,
                   Compute compute) {
  const bool usable = credentials && credentials->plaintext;
  crypto::Secret expected{usable ? crypto::hex(compute(*credentials->plaintext))
                                 : crypto::hex(crypto::random_bytes(16))};
  const bool match = crypto::constant_time_equal(expected.get(), ascii::lower(digest));
  return match && usable;
}

} // namespace

bool verify_plaintext(const std::optional<Credentials>& credentials, std::string_view password) {
  if (credentials && credentials->scram && !credentials->plaintext) {
    return scram_password_matches(*credentials->scram, password);
  }
  // A plaintext secret, or none (unknown user): the same PBKDF2 a default verifier costs.
  scram_equal_work();
  if (credentials && credentials->plaintext) {
    return crypto::constant_time_equal(*credentials->plaintext, password);
  }
  return false;
}

bool verify_apop(const std::optional<Credentials>& credentials, std::string_view timestamp,
                 std::string_view digest) {
  return verify_digest(credentials, digest, [&](const std::string& secret) {
    crypto::Secret joined{std::string(timestamp) + secret};
    return crypto::md5(joined.get());
  });
}

bool verify_cram_md5(const std::optional<Credentials>& credentials, std::string_view challenge,
                     std::string_view digest) {
  return verify_digest(credentials, digest, [&](const std::string& secret) {
    return crypto::hmac_md5(secret, challenge);
  });
}

std::string make_challenge_token(std::string_view hostname) {
  static std::atomic<std::uint64_t> counter{0};
  std::string host;
  for (const char c : hostname) {
    if (token_char(c) && c != '@') {
      host += c;
    }
  }
  if (host.empty()) {
    host = "localhost";
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // Built with append(): GCC 12's -Wrestrict misfires on chains of operator+ at -O3.
  std::string token = "<";
  token.append(std::to_string(::getpid())).append(".");
  token.append(std::to_string(++counter)).append(".");
  token.append(std::to_string(now)).append(".");
  token.append(crypto::hex(crypto::random_bytes(4))).append("@");
  token.append(host).append(">");
  return token;
}

} // namespace feedpop::auth
