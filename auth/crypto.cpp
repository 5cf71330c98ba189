#include "auth/crypto.hpp"

#include <array>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace feedpop::auth::crypto {
namespace {

std::string digest(const EVP_MD* md, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest failed");
  }
  return {reinterpret_cast<const char*>(out.data()), len};
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (HMAC(md, key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr) {
    throw std::runtime_error("OpenSSL HMAC failed");
  }
  return {reinterpret_cast<const char*>(out.data()), len};
}

} // namespace

std::string md5(std::string_view data) {
  return digest(EVP_md5(), data);
}
std::string sha256(std::string_view data) {
  return digest(EVP_sha256(), data);
}
std::string hmac_md5(std::string_view key, std::string_view data) {
  return hmac(EVP_md5(), key, data);
}
std::string hmac_sha256(std::string_view key, std::string_view data) {
  return hmac(EVP_sha256(), key, data);
}

std::string pbkdf2_sha256(std::string_view password, std::string_view salt,
                          std::uint32_t iterations) {
  std::string out(32, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw std::runtime_error("OpenSSL PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return out;
}

void wipe(std::string& secret) {
  if (!secret.empty()) {
    OPENSSL_cleanse(secret.data(), secret.size());
  }
  secret.clear();
}

} // namespace feedpop::auth::crypto
