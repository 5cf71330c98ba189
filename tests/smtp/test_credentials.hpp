#pragma once
// Users for the SMTP tests: alice has a plaintext password ("secret"), bob only a
// SCRAM-SHA-256 verifier (password "hunter2"), carol is known but has no secret usable.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "auth/credentials.hpp"
#include "auth/scram.hpp"

namespace feedpop::smtp::testing {

class TestCredentials : public auth::CredentialStore {
public:
  TestCredentials() {
    users_["alice"] = auth::Credentials{"secret", std::nullopt};
    users_["bob"] =
        auth::Credentials{std::nullopt, auth::make_scram_verifier("hunter2", "saltsalt", 4096)};
  }
  void add(const std::string& user, auth::Credentials c) {
    std::lock_guard lock(mutex_);
    users_[user] = std::move(c);
  }
  std::optional<auth::Credentials> lookup(std::string_view user) override {
    if (fail_lookup_) {
      throw std::runtime_error("credential store unavailable");
    }
    if (const long ms = lookup_delay_ms_; ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    std::lock_guard lock(mutex_);
    const auto it = users_.find(std::string(user));
    return it == users_.end() ? std::nullopt : std::optional(it->second);
  }
  bool has_plaintext_secrets() const override { return plaintext_; }
  bool plaintext_ = true;
  bool fail_lookup_ = false;             // every lookup throws (a broken store)
  std::atomic<long> lookup_delay_ms_{0}; // a slow store (set while servers run)

private:
  std::mutex mutex_;
  std::map<std::string, auth::Credentials> users_;
};

} // namespace feedpop::smtp::testing
