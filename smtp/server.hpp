#pragma once
// The SMTP submission server: Asio acceptors for submission with STARTTLS (RFC 6409,
// RFC 3207; port 587) and implicit TLS (RFC 8314; port 465), one coroutine per connection
// running an smtp::Session (STYLE.md §3). The gateway's `serve` wires it up:
//
//   smtp::Server server(options, credentials, on_message, tls_context);
//   for (auto& ep : server.start()) log(ep);     // binds; runs the io threads
//   ...                                          // reload: set_credentials / set_tls_context
//   server.shutdown(std::chrono::seconds(10));   // SIGTERM
//
// Bounds per connection: a login deadline counted from accept (a client that has not
// authenticated by then is closed), then an idle timeout renewed only by complete commands
// or content lines (a client dribbling bytes of one line cannot hold the connection); the
// session bounds lines, messages and queued replies, and output is flushed before the
// next read. Every authentication verdict goes out when auth::Throttle allows it.
//
// Threading: every public member is thread-safe. start() returns after binding (throws
// std::system_error with the endpoint on failure) and serves on `threads` io threads until
// shutdown(). The message handler runs on an io thread, one call per accepted message, and
// may be called concurrently from several connections; it should record the commands and
// answer at once (slow work such as fetching a feed belongs on another thread), since the
// client waits for its reply and the io thread serves other sessions meanwhile.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "auth/credentials.hpp"
#include "auth/sasl.hpp"
#include "auth/throttle.hpp"
#include "smtp/session.hpp"

namespace boost::asio::ssl {
class context;
}

namespace feedpop::smtp {

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
  std::vector<Endpoint> listen;       // submission; STARTTLS offered when a TLS context is set
  std::vector<Endpoint> tls_listen;   // implicit TLS; needs a TLS context
  std::string hostname;               // greeting, control addresses; empty = gethostname()
  std::size_t max_connections = 1000; // over a limit: "421 4.7.0" and close
  std::size_t max_per_address = 16;
  std::chrono::seconds login_timeout{60}; // from accept to a successful AUTH
  std::chrono::seconds idle_timeout{300}; // RFC 5321 §4.5.3.2.7: at least 5 minutes
  unsigned threads = 0;                   // 0 = std::thread::hardware_concurrency()
  PlaintextAuth plaintext_auth = PlaintextAuth::local;
  std::size_t max_message_size = 1024 * 1024;
  std::size_t max_recipients = 10;
  std::size_t max_line_length = 4096;
  std::size_t max_bad_commands = 10;
  std::size_t max_auth_failures = 3;                  // per session, then 421 and close
  std::chrono::milliseconds auth_failure_delay{1000}; // first failure; doubles per address
  std::chrono::milliseconds max_auth_failure_delay{15000};
};

struct ServerStats {
  std::size_t connections = 0; // open now
  std::uint64_t accepted = 0;  // since start
  std::uint64_t refused = 0;   // over a connection limit
  std::uint64_t messages = 0;  // accepted by the handler
};

class Server {
public:
  // `throttle` (auth::Throttle: slots per address and user name across connections) may be
  // shared with the POP3 server so guesses count together; null: one of its own, made from
  // the two delays in the options.
  Server(ServerOptions options, std::shared_ptr<auth::CredentialStore> credentials,
         MessageHandler on_message, std::shared_ptr<boost::asio::ssl::context> tls = nullptr,
         std::shared_ptr<auth::Throttle> throttle = nullptr);
  ~Server(); // shutdown(0) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Mechanisms offered by EHLO's AUTH; add custom ones before start().
  auth::SaslRegistry& sasl();

  std::vector<BoundEndpoint> start();
  void set_credentials(std::shared_ptr<auth::CredentialStore> credentials);
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

} // namespace feedpop::smtp
