#pragma once
// Internals of pop3::Server shared by server.cpp and connection.cpp; not part of the API.
// <utility> first: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "auth/throttle.hpp"
#include "pop3/connection_loop.hpp"
#include "pop3/server.hpp"
#include "pop3/session_locks.hpp"

namespace feedpop::pop3::detail {

using tcp = asio::ip::tcp;

struct ServerState {
  ServerOptions options;
  std::string hostname;
  std::shared_ptr<SessionLocks> locks;
  std::shared_ptr<const SaslRegistry> sasl =
      std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults());

  std::mutex config_mutex;
  std::shared_ptr<Authenticator> authenticator;
  std::shared_ptr<asio::ssl::context> tls;

  std::mutex conn_mutex;
  std::condition_variable conn_cv;
  std::size_t total = 0;
  std::unordered_map<std::string, std::size_t> per_address; // by address_group()
  std::uint64_t next_id = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> closers; // post a close
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::size_t> peak_output{0}; // largest output any session held at once
  void note_output(std::size_t octets) {
    for (auto seen = peak_output.load(); octets > seen;) {
      if (peak_output.compare_exchange_weak(seen, octets)) {
        break;
      }
    }
  }

  // Destroyed right after auth_pool: handlers (and coroutine frames) it still holds after
  // shutdown are destroyed while the members above, which they use, are alive.
  asio::io_context io;
  // Where AUTHORIZATION-state input is fed (password checks with PBKDF2, credential
  // lookups, opening the maildrop), so it never holds an io thread. Last member, so joined
  // first: a check still running finishes while its session (in a frame of `io`) lives.
  asio::thread_pool auth_pool{std::max(2u, std::thread::hardware_concurrency())};
};

// The key pop3.limits.per_address counts under: an IPv4 address (also v4-mapped), or the
// /64 an IPv6 address belongs to ("2001:db8:1:2::/64").
std::string address_group(const asio::ip::address& a);

asio::awaitable<void> handle_connection(ServerState* state, tcp::socket socket, bool implicit_tls);

} // namespace feedpop::pop3::detail
