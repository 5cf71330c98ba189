#pragma once
// What the web pages show and change, implemented by the gateway over storage and the
// fetcher (tests use an in-memory one). The web library never sees SQL or mailboxes.
//
// Threading: called from the web server's I/O threads, concurrently; implementations are
// thread-safe. Calls may block briefly (a storage read). A failure of the environment
// throws; the server answers 500 and logs it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::web {

enum class FeedState { ok, failing, gone, paused, pending };
std::string_view to_string(FeedState s);

struct FeedStatus {
  std::string key; // feed key from feeds.yaml (or the subscription's key)
  std::string title;
  std::string url;
  FeedState state = FeedState::pending;
  std::optional<std::chrono::sys_seconds> last_fetch;
  std::string last_error; // in plain words; empty when the last fetch worked
  std::optional<std::chrono::sys_seconds> next_poll;
  std::uint64_t delivered = 0; // entries delivered to this user (or to all, for admins)
  bool user_added = false;     // added by the user: may be paused, resumed, unsubscribed
};

struct UserStatus {
  std::string name;
  bool admin = false;
  std::uint64_t waiting_messages = 0; // in the mailbox, not yet deleted by the client
  std::uint64_t waiting_bytes = 0;
  std::size_t feeds = 0;
};

struct Overview {
  UserStatus user;
  std::vector<FeedStatus> feeds;     // the user's feeds
  std::vector<FeedStatus> all_feeds; // admins only: every feed
  std::vector<UserStatus> all_users; // admins only: every user
};

enum class FeedAction { pause, resume, unsubscribe };

struct ActionResult {
  bool ok = false;
  std::string message; // shown to the user as is (escaped)
};

class StatusSource {
public:
  virtual ~StatusSource() = default;
  // The signed-in user's view; nullopt if the user no longer exists.
  virtual std::optional<Overview> overview(std::string_view user) = 0;
  // Reasons the service is unhealthy (store unwritable, fetcher stalled, listener down);
  // empty when healthy.
  virtual std::vector<std::string> health_problems() = 0;
  // The same code path as the mail commands; refusals (not the user's feed, not
  // user-added) are results, not exceptions.
  virtual ActionResult act(std::string_view user, std::string_view feed_key, FeedAction action) = 0;
  virtual ActionResult subscribe(std::string_view user, std::string_view url) = 0;
};

} // namespace feedpop::web
