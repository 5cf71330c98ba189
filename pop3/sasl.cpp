#include "pop3/sasl.hpp"

#include <atomic>
#include <cctype>
#include <chrono>

#include <unistd.h>

#include "pop3/crypto.hpp"
#include "pop3/scram.hpp"

namespace feedpop::pop3 {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '@' || c == '_' ||
         c == '-' || c == '+' || c == '/';
}

} // namespace

void SaslRegistry::add(SaslMechanismInfo info) {
  for (auto& m : mechanisms_) {
    if (iequals(m.name, info.name)) {
      m = std::move(info);
      return;
    }
  }
  mechanisms_.push_back(std::move(info));
}

const SaslMechanismInfo* SaslRegistry::find(std::string_view name) const {
  for (const auto& m : mechanisms_) {
    if (iequals(m.name, name)) {
      return &m;
    }
  }
  return nullptr;
}

SaslRegistry SaslRegistry::with_defaults() {
  SaslRegistry r;
  add_plain_mechanism(r);
  add_login_mechanism(r);
  add_cram_md5_mechanism(r);
  add_scram_sha256_mechanism(r);
  return r;
}

bool verify_password(const std::optional<Credentials>& credentials, std::string_view password) {
  if (credentials && credentials->plaintext) {
    return crypto::constant_time_equal(*credentials->plaintext, password);
  }
  if (credentials && credentials->scram) {
    return scram_password_matches(*credentials->scram, password);
  }
  // Unknown user (or one without any secret): do comparable work, then fail.
  static const std::string dummy = crypto::random_bytes(16);
  (void)crypto::constant_time_equal(dummy, password);
  return false;
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

} // namespace feedpop::pop3
