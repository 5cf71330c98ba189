// pop3_test_server: pop3::Server over the in-memory maildrop, for running real clients
// (../shared/clients) and the benchmark (../shared/bench/pop3) against the POP3 engine
// without the rest of feedpop. Test-only; never installed.
//
//   pop3_test_server [--port P] [--tls-port P] [--cert F --key F] [--threads N]
//                    [--user NAME --password PW] [--corpus DIR]
//
// Without --corpus, NAME (default alice) gets the realistic test messages. Prints
// "READY <port> <tls_port>" when listening; SIGHUP forgets all deletions (a reset for
// the client scripts); SIGTERM/SIGINT shut down gracefully.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "pop3/server.hpp"
#include "tests/pop3/memory_maildrop.hpp"

int main(int argc, char** argv) {
  using namespace feedpop::pop3;
  ServerOptions o;
  std::uint16_t port = 0, tls_port = 0;
  std::string cert, key, user = "alice", password = "secret", corpus;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << '\n';
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--port") {
      port = static_cast<std::uint16_t>(std::stoul(next()));
    } else if (a == "--tls-port") {
      tls_port = static_cast<std::uint16_t>(std::stoul(next()));
    } else if (a == "--cert") {
      cert = next();
    } else if (a == "--key") {
      key = next();
    } else if (a == "--threads") {
      o.threads = static_cast<unsigned>(std::stoul(next()));
    } else if (a == "--user") {
      user = next();
    } else if (a == "--password") {
      password = next();
    } else if (a == "--corpus") {
      corpus = next();
    } else if (a == "--quiet") {
      quiet = true;
    } else {
      std::cerr << "unknown option " << a << '\n';
      return 2;
    }
  }
  if (quiet) {
    spdlog::set_level(spdlog::level::warn);
  }
  try {
    std::shared_ptr<testing::MemoryStore> store;
    if (corpus.empty()) {
      store = std::make_shared<testing::MemoryStore>();
      store->add_user(user, Credentials{password, std::nullopt}, testing::realistic_messages());
    } else {
      store = testing::load_corpus(corpus);
    }
    o.listen = {{"127.0.0.1", port}};
    o.hostname = "localhost";
    o.max_per_address = 100000;
    o.max_connections = 100000;
    std::shared_ptr<boost::asio::ssl::context> tls;
    if (!cert.empty()) {
      tls = make_tls_context(cert, key);
      o.tls_listen = {{"127.0.0.1", tls_port}};
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr); // io threads inherit the mask
    Server server(o, std::make_shared<testing::MemoryAuthenticator>(store), tls);
    std::uint16_t bound = 0, bound_tls = 0;
    for (const auto& b : server.start()) {
      (b.implicit_tls ? bound_tls : bound) = b.endpoint.port;
    }
    std::cout << "READY " << bound << ' ' << bound_tls << std::endl;
    for (;;) {
      int sig = 0;
      sigwait(&set, &sig);
      if (sig == SIGHUP) {
        store->reset_deletions();
        continue;
      }
      server.shutdown(std::chrono::seconds(2));
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "pop3_test_server: " << e.what() << '\n';
    return 1;
  }
}
