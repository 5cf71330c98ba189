// A test-only web server: web::Server over MemoryStatus (tests/web/memory_status.hpp), for
// the Python and browser tests. Prints "http PORT" (and "https PORT" with --tls) on
// stdout, then serves until stdin closes or SIGTERM/SIGINT.
//   web_test_server [--read-timeout S] [--idle-timeout S] [--max-connections N]
//                   [--metrics-token T] [--fail-delay-ms MS] [--tls CERT KEY]
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/ssl/context.hpp>

#include "memory_status.hpp"
#include "web/server.hpp"

namespace {

volatile std::sig_atomic_t stop_signal = 0;

} // namespace

int main(int argc, char** argv) {
  using namespace feedpop;
  web::Options o;
  o.listen = {{"127.0.0.1", 0}};
  o.mail = {"example.test",
            "feedpop test",
            "pop.example.test",
            1110,
            1995,
            "smtp.example.test",
            1587,
            1465,
            "3F:A2:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
            "AA:BB:CC:DD"};
  std::shared_ptr<boost::asio::ssl::context> tls;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(64);
      }
      return argv[++i];
    };
    if (a == "--read-timeout") {
      o.read_timeout = std::chrono::seconds(std::stoi(next()));
    } else if (a == "--idle-timeout") {
      o.idle_timeout = std::chrono::seconds(std::stoi(next()));
    } else if (a == "--max-connections") {
      o.max_connections = std::stoul(next());
    } else if (a == "--metrics-token") {
      o.metrics_token = next();
    } else if (a == "--fail-delay-ms") {
      o.auth_failure_delay = std::chrono::milliseconds(std::stoi(next()));
    } else if (a == "--tls") {
      const auto cert = next();
      const auto key = next();
      tls = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
      tls->use_certificate_chain_file(cert);
      tls->use_private_key_file(key, boost::asio::ssl::context::pem);
      o.tls_listen = {{"127.0.0.1", 0}};
    } else {
      std::cerr << "unknown option " << a << "\n";
      return 64;
    }
  }
  auto handler = std::make_shared<web::Handler>(o, std::make_shared<web::testing::MemoryStatus>(),
                                                std::make_shared<web::testing::MemoryCredentials>(),
                                                std::make_shared<auth::FailureThrottle>());
  web::Server server(handler, tls);
  for (const auto& b : server.start()) {
    std::cout << (b.tls ? "https " : "http ") << b.endpoint.port << std::endl;
  }
  std::signal(SIGTERM, [](int) { stop_signal = 1; });
  std::signal(SIGINT, [](int) { stop_signal = 1; });
  std::thread stdin_watch([] {
    while (std::getchar() != EOF) {
    }
    stop_signal = 1;
  });
  stdin_watch.detach();
  while (stop_signal == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  server.shutdown(std::chrono::seconds(1));
  return 0;
}
