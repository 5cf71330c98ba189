#include "storage/uidl.hpp"

#include <openssl/evp.h>

#include <sqlite3.h>

#include "storage/store.hpp"

namespace feedpop::storage {

std::string derive_uidl(std::string_view feed_key, std::string_view identity) {
  std::string input = "feedpop-uidl-1";
  input.push_back('\0');
  input.append(feed_key);
  input.push_back('\0');
  input.append(identity);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw StoreError("openssl: SHA-256 failed", SQLITE_ERROR);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string uidl;
  uidl.reserve(32);
  for (unsigned i = 0; i < 16; ++i) {
    uidl.push_back(hex[digest[i] >> 4]);
    uidl.push_back(hex[digest[i] & 0x0f]);
  }
  return uidl;
}

} // namespace feedpop::storage
