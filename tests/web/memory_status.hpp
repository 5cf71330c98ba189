#pragma once
// An in-memory StatusSource and CredentialStore for the web tests and web_test_server:
// users "admin" (admin, password "admin-pass") and "alice" (password "alice-pass");
// feeds "lwn" (ok), "broken" (failing) from the configuration, and "alice-blog", added by
// alice, which she may pause, resume and unsubscribe. Thread-safe.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "auth/credentials.hpp"
#include "web/status_source.hpp"

namespace feedpop::web::testing {

class MemoryStatus final : public StatusSource {
public:
  MemoryStatus();
  std::optional<Overview> overview(std::string_view user) override;
  std::vector<std::string> health_problems() override;
  ActionResult act(std::string_view user, std::string_view feed_key, FeedAction action) override;
  ActionResult subscribe(std::string_view user, std::string_view url) override;

  void set_health_problems(std::vector<std::string> problems);
  FeedState state_of(const std::string& key);
  std::size_t action_count();

private:
  struct Feed {
    FeedStatus status;
    std::vector<std::string> users;
  };
  std::mutex mutex_;
  std::map<std::string, Feed> feeds_;
  std::vector<std::string> problems_;
  std::size_t actions_ = 0;
};

class MemoryCredentials final : public auth::CredentialStore {
public:
  std::optional<auth::Credentials> lookup(std::string_view user) override;
};

} // namespace feedpop::web::testing
