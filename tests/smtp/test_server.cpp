// smtp_test_server: smtp::Server with a throw-away certificate, for real clients (swaks,
// msmtp, Python's smtplib) without the rest of feedpop. Test-only; never installed.
//
//   smtp_test_server [--port P] [--tls-port P] [--hostname H] [--spool DIR] [--quiet]
//                    [--max-size N] [--login-timeout S] [--idle-timeout S] [--per-address N]
//
// Users: alice/secret (plaintext secret), bob/hunter2 (SCRAM-SHA-256 verifier only).
// Each accepted message is written to DIR/N.eml (when --spool is given) after a first
// line "X-Test-Envelope: USER FROM RCPT..."; the reply names its size. Prints
// "READY <port> <tls_port> <cert.pem>" when listening; SIGTERM/SIGINT shut down.
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <spdlog/spdlog.h>

#include "smtp/server.hpp"
#include "tests/smtp/test_credentials.hpp"
#include "tests/smtp/tls_support.hpp"

int main(int argc, char** argv) {
  using namespace feedpop::smtp;
  ServerOptions o;
  std::uint16_t port = 0, tls_port = 0;
  std::string spool;
  o.hostname = "localhost";
  o.max_per_address = 1000;
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
    } else if (a == "--hostname") {
      o.hostname = next();
    } else if (a == "--spool") {
      spool = next();
    } else if (a == "--max-size") {
      o.max_message_size = std::stoul(next());
    } else if (a == "--login-timeout") {
      o.login_timeout = std::chrono::seconds(std::stoul(next()));
    } else if (a == "--idle-timeout") {
      o.idle_timeout = std::chrono::seconds(std::stoul(next()));
    } else if (a == "--per-address") {
      o.max_per_address = std::stoul(next());
    } else if (a == "--quiet") {
      spdlog::set_level(spdlog::level::warn);
    } else {
      std::cerr << "unknown option " << a << '\n';
      return 2;
    }
  }
  try {
    o.listen = {{"127.0.0.1", port}};
    o.tls_listen = {{"127.0.0.1", tls_port}};
    std::atomic<unsigned> count{0};
    MessageHandler handler = [&](Submission&& s) {
      const unsigned n = ++count;
      if (!spool.empty()) {
        std::ofstream out(spool + "/" + std::to_string(n) + ".eml", std::ios::binary);
        out << "X-Test-Envelope: " << s.user << ' ' << s.mail_from;
        for (const auto& r : s.recipients) {
          out << ' ' << r;
        }
        out << "\r\n" << s.content;
      }
      return "250 2.0.0 Accepted " + std::to_string(s.content.size()) + " octets for " + s.user;
    };
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr); // io threads inherit the mask
    Server server(o, std::make_shared<testing::TestCredentials>(), handler,
                  testing::server_tls_context());
    std::uint16_t bound = 0, bound_tls = 0;
    for (const auto& b : server.start()) {
      (b.implicit_tls ? bound_tls : bound) = b.endpoint.port;
    }
    std::cout << "READY " << bound << ' ' << bound_tls << ' '
              << testing::test_certificate().cert.string() << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    server.shutdown(std::chrono::seconds(2));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "smtp_test_server: " << e.what() << '\n';
    return 1;
  }
}
