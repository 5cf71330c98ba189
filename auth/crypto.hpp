#pragma once
// Small cryptographic helpers the SASL mechanisms, SCRAM and the credential checks share,
// on OpenSSL's libcrypto (base64 is common/base64.hpp). Pure functions; thread-safe.
// OpenSSL failures throw std::runtime_error.

#include <cstdint>
#include <string>
#include <string_view>

namespace feedpop::auth::crypto {

std::string md5(std::string_view data);
std::string sha256(std::string_view data);
std::string hmac_md5(std::string_view key, std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string pbkdf2_sha256(std::string_view password, std::string_view salt,
                          std::uint32_t iterations);
std::string hex(std::string_view bytes); // lower case

// Comparison whose time does not depend on where the inputs differ (only on their length).
bool constant_time_equal(std::string_view a, std::string_view b);
std::string random_bytes(std::size_t n);
// Overwrites a secret before its memory is released (OPENSSL_cleanse cannot be optimised
// away).
void wipe(std::string& secret);

// A string that wipes itself when destroyed.
class Secret {
public:
  Secret() = default;
  explicit Secret(std::string s) : value_(std::move(s)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& o) noexcept : value_(std::move(o.value_)) { o.value_.clear(); }
  Secret& operator=(Secret&& o) noexcept {
    wipe(value_);
    value_ = std::move(o.value_);
    o.value_.clear();
    return *this;
  }
  ~Secret() { wipe(value_); }
  std::string& get() { return value_; }
  const std::string& get() const { return value_; }

private:
  std::string value_;
};

} // namespace feedpop::auth::crypto
