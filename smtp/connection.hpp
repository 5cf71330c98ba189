#pragma once
// Internals of smtp::Server shared by server.cpp and connection.cpp; not part of the API.
// <utility> first: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "smtp/server.hpp"

namespace feedpop::smtp::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Closes a connection whose deadline passed. One timer wait per deadline, not one per
// read: touch() only moves the deadline, and the handler re-arms when it fires early. Lives
// in a shared_ptr so a handler that runs after the connection ended finds `done` set and
// touches nothing else (all on the connection's strand).
class Watchdog : public std::enable_shared_from_this<Watchdog> {
public:
  explicit Watchdog(const asio::any_io_executor& ex) : timer_(ex) {}
  void touch(std::chrono::steady_clock::duration timeout);
  void stop();
  bool fired() const { return fired_; }
  // Called on the strand when the deadline passes; `first` is false when it passes again
  // after an earlier firing (the polite goodbye stalled too).
  std::function<void(bool first)> on_fire;

private:
  void wait();
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_{};
  std::uint64_t generation_ = 0; // a wait superseded by a re-arm ignores its completion
  bool armed_ = false;
  bool done_ = false;
  bool fired_ = false;
};

struct ServerState {
  ServerOptions options;
  std::string hostname;
  MessageHandler on_message;
  std::shared_ptr<auth::Throttle> throttle;
  std::shared_ptr<auth::SaslRegistry> sasl =
      std::make_shared<auth::SaslRegistry>(auth::SaslRegistry::with_defaults());
  std::shared_ptr<const auth::SaslRegistry> sasl_frozen;

  std::mutex config_mutex;
  std::shared_ptr<auth::CredentialStore> credentials;
  std::shared_ptr<asio::ssl::context> tls;

  std::mutex conn_mutex;
  std::condition_variable conn_cv;
  std::size_t total = 0;
  std::unordered_map<std::string, std::size_t> per_address;
  std::uint64_t next_id = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> closers; // post a close
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> messages{0};

  // Last member, so destroyed first: handlers (and coroutine frames) it still holds after
  // shutdown are destroyed while the members above, which they use, are alive.
  asio::io_context io;
  // Where the session runs (password checks with PBKDF2, credential lookups, the message
  // handler's store work), so none of it holds an io thread. After `io`, so joined before
  // it goes: work still running finishes while its session is alive.
  asio::thread_pool work_pool{std::max(2u, std::thread::hardware_concurrency())};
};

asio::awaitable<void> handle_connection(ServerState* state, tcp::socket socket, bool implicit_tls);

} // namespace feedpop::smtp::detail
