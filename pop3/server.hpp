#pragma once
// The POP3 server: Asio acceptors for plain POP3 (with STLS, RFC 2595) and implicit TLS
// (POP3S, RFC 8314), one coroutine per connection running a pop3::Session
// (STYLE.md §3). The gateway's `serve` wires it up:
//
//   pop3::Server server(options, authenticator, pop3::make_tls_context(cert, key));
//   for (auto& ep : server.start()) log(ep);     // binds; runs the io threads
//   ...                                          // reload: set_authenticator / set_tls_context
//   server.shutdown(std::chrono::seconds(10));   // SIGTERM
//
// Threading: every public member is thread-safe. start() returns after binding (throws
// std::system_error with the endpoint on failure) and serves on `threads` io threads
// until shutdown(). Sessions capture the authenticator and TLS context current when they
// start (a reload affects new connections only). Blocking Maildrop calls run on the io
// threads; with several threads one slow storage read does not stall other sessions.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/throttle.hpp"
#include "pop3/maildrop.hpp"
#include "pop3/session.hpp"

namespace boost::asio::ssl {
class context;
}

namespace feedpop::pop3 {

struct Endpoint {
  std::string host;       // "127.0.0.1", "::1", "0.0.0.0", "::"
  std::uint16_t port = 0; // 0: any free port (see start()'s result)
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct BoundEndpoint {
  Endpoint endpoint; // with the real port
  bool implicit_tls = false;
};

struct ServerOptions {
  std::vector<Endpoint> listen;        // plain POP3; STLS offered when a TLS context is set
  std::vector<Endpoint> tls_listen;    // implicit TLS; needs a TLS context
  std::string hostname;                // greeting/challenges; empty = gethostname()
  std::size_t max_connections = 10000; // over a limit: "-ERR [SYS/TEMP]" and close
  std::size_t max_per_address = 64;    // per IPv4 address, per IPv6 /64
  // Descriptors kept free for the rest of the process (store, fetcher): connections are
  // capped at RLIMIT_NOFILE minus those open at start() minus this (logged when it cuts).
  std::size_t descriptor_reserve = 64;
  std::chrono::seconds idle_timeout{600}; // TRANSACTION; RFC 1939 §3: at least 10 minutes
  std::chrono::seconds login_timeout{60}; // before login
  unsigned threads = 0;                   // 0 = std::thread::hardware_concurrency()
  PlaintextAuth plaintext_auth = PlaintextAuth::local;
  bool lock_session = false;                          // RFC 1939 §4 exclusive lock, -ERR [IN-USE]
  std::optional<unsigned> expire_days;                // CAPA EXPIRE; nullopt: the authenticator's
  std::chrono::milliseconds auth_failure_delay{1000}; // first failure; grows per address
  std::chrono::milliseconds max_auth_failure_delay{15000};
  std::size_t max_auth_failures = 3; // per session, then close
  // Guess throttling across connections; share one with the other protocols' servers.
  // Null: the server makes its own from the two delays above.
  std::shared_ptr<auth::Throttle> throttle;
  std::size_t max_bad_commands = 20;
  std::size_t max_bad_commands_before_login = 3;
};

struct ServerStats {
  std::size_t connections = 0;         // open now
  std::uint64_t accepted = 0;          // since start
  std::uint64_t refused = 0;           // over a connection limit
  std::size_t peak_session_output = 0; // most output octets one session held at once
  std::size_t connection_limit = 0;    // max_connections, or less if descriptors are short
};

// Loads a PEM certificate chain and private key into a server context that allows TLS 1.2
// with ECDHE and AEAD ciphers, and TLS 1.3. Throws std::runtime_error naming the file and OpenSSL's
// reason.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::filesystem::path& cert,
                                                            const std::filesystem::path& key);

class Server {
public:
  Server(ServerOptions options, std::shared_ptr<Authenticator> authenticator,
         std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~Server(); // shutdown(0) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::vector<BoundEndpoint> start();
  void set_authenticator(std::shared_ptr<Authenticator> authenticator);
  void set_tls_context(std::shared_ptr<boost::asio::ssl::context> tls);
  // Stops accepting, lets sessions finish for up to `grace`, then closes the rest and joins
  // the io threads. Idempotent.
  void shutdown(std::chrono::milliseconds grace);
  ServerStats stats() const;
  // Listeners that are not accepting connections now (their last accept failed), each
  // named with the reason; empty when all accept.
  std::vector<std::string> listener_problems() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace feedpop::pop3
