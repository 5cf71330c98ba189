#pragma once
// The HTTP server: Asio acceptors for plain HTTP and HTTPS, one coroutine per connection
// (STYLE.md §3) running Beast's parser with bounded header and body sizes, keep-alive,
// and timeouts a slow client cannot stretch: each request must arrive whole within
// read_timeout of the connection opening (or of the previous response), whatever
// trickles in (slowloris). Over max_connections, new connections are closed at once.
//
//   web::Server server(options, handler, tls);  // handler: see web/handler.hpp
//   for (auto& ep : server.start()) log(ep);     // binds; runs the io threads
//   server.shutdown(std::chrono::seconds(5));    // SIGTERM
//
// Threading: public members are thread-safe. start() throws std::system_error naming the
// endpoint when it cannot bind.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "web/handler.hpp"
#include "web/options.hpp"

namespace boost::asio::ssl {
class context;
}

namespace feedpop::web {

struct BoundEndpoint {
  Endpoint endpoint; // with the real port
  bool tls = false;
};

class Server {
public:
  Server(std::shared_ptr<Handler> handler,
         std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~Server(); // shutdown(0) if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::vector<BoundEndpoint> start();
  // Stops accepting, lets open requests finish for up to `grace`, then closes the rest and
  // joins the io threads. Idempotent.
  void shutdown(std::chrono::milliseconds grace);
  std::size_t connections() const;
  // Listeners that are not accepting connections now (their last accept failed), each
  // named with the reason; empty when all accept.
  std::vector<std::string> listener_problems() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace feedpop::web
