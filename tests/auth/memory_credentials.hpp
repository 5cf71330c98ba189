#pragma once
// An in-memory CredentialStore for the auth tests and the SASL fuzzer. Thread-safe.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth/credentials.hpp"
#include "auth/scram.hpp"

namespace feedpop::auth::testing {

class MemoryCredentials : public CredentialStore {
public:
  void add(const std::string& user, Credentials credentials) {
    std::lock_guard lock(mutex_);
    users_[user] = std::move(credentials);
  }
  std::optional<Credentials> lookup(std::string_view user) override {
    std::lock_guard lock(mutex_);
    const auto it = users_.find(user);
    if (it == users_.end()) {
      return std::nullopt;
    }
    return it->second;
  }
  bool has_plaintext_secrets() const override {
    std::lock_guard lock(mutex_);
    for (const auto& [name, c] : users_) {
      if (c.plaintext) {
        return true;
      }
    }
    return false;
  }

private:
  mutable std::mutex mutex_;
  std::map<std::string, Credentials, std::less<>> users_;
};

// alice (plaintext "secret"), bob (SCRAM verifier of "hunter2" only), carol (plaintext "pw").
inline std::shared_ptr<MemoryCredentials> standard_credentials() {
  static const ScramVerifier bob = make_scram_verifier("hunter2", "saltsalt", 4096);
  auto store = std::make_shared<MemoryCredentials>();
  store->add("alice", Credentials{std::string("secret"), std::nullopt});
  store->add("bob", Credentials{std::nullopt, bob});
  store->add("carol", Credentials{std::string("pw"), std::nullopt});
  return store;
}

} // namespace feedpop::auth::testing
