#pragma once
// The web side's view of the service (web::StatusSource) over the store and the current
// config: each user's feeds with their poll state, what waits in their mailbox, and the
// service's health. A user's feeds are the configured ones they subscribe to and the ones
// they added themselves (by mail or on the page; those carry the pause/resume/unsubscribe
// actions, which go through the Subscriptions service of the mail commands). Admins
// (users.*.admin) also see every feed (users' own under "owner/key") and every user.
//
// Threading: thread-safe; every call opens its own reader Store (one per call, as
// storage/store.hpp requires per thread) and reads the config through `config()`, which
// follows reloads.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/subscriptions.hpp"
#include "storage/store.hpp"
#include "web/status_source.hpp"

namespace feedpop::gateway {

class WebStatus final : public web::StatusSource {
public:
  using OpenReader = std::function<std::unique_ptr<storage::Store>()>;
  using CurrentConfig = std::function<std::shared_ptr<const Config>()>;
  // `subscriptions`: the user-feed service the mail commands use (null: actions refused).
  WebStatus(OpenReader open_reader, CurrentConfig config, Subscriptions* subscriptions = nullptr);

  std::optional<web::Overview> overview(std::string_view user) override;
  std::vector<std::string> health_problems() override;
  web::ActionResult act(std::string_view user, std::string_view feed_key,
                        web::FeedAction action) override;
  web::ActionResult subscribe(std::string_view user, std::string_view url) override;

  // The POP3, SMTP and web listeners that are not accepting now (each with its reason);
  // /healthz reports each as "listener down: ...". Set once, before the web server starts.
  using ListenerProblems = std::function<std::vector<std::string>()>;
  void watch_listeners(ListenerProblems problems);
  // Sets the feeds-by-state gauges of common/metrics from the stored poll states.
  void refresh_feed_gauges();

private:
  OpenReader open_reader_;
  CurrentConfig config_;
  Subscriptions* subscriptions_;
  std::chrono::system_clock::time_point started_;
  ListenerProblems listener_problems_;
};

// The stored poll state of a feed as the status page shows it.
web::FeedState feed_state_of(const std::optional<storage::FeedState>& state);
// A fetch error in plain words ("the server answered 404 Not Found: ...").
std::string plain_error(const storage::FeedState& state);

} // namespace feedpop::gateway
