// `feedpop passwd`: reads a password (without echo on a terminal, else one line of stdin)
// and prints a SCRAM-SHA-256 verifier for `users.<name>.scram` in feeds.yaml, in
// Dovecot's format, so no plaintext password needs storing (RFC 5802, RFC 7677).
#include <iostream>
#include <string>

#include <termios.h>
#include <unistd.h>

#include "auth/crypto.hpp"
#include "auth/scram.hpp"
#include "gateway/commands.hpp"

namespace feedpop::gateway {
namespace {

// Reads one line from the terminal with echo off; restores the terminal afterwards.
bool read_hidden(const char* prompt, std::string& out) {
  std::cerr << prompt << std::flush;
  termios old{};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool ok = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  }
  std::cerr << '\n';
  return ok;
}

int run_passwd(unsigned iterations) {
  auth::crypto::Secret password;
  if (::isatty(STDIN_FILENO) != 0) {
    auth::crypto::Secret again;
    if (!read_hidden("Password: ", password.get()) || !read_hidden("Repeat: ", again.get())) {
      std::cerr << "feedpop: passwd: no password read\n";
      return exit_config;
    }
    if (password.get() != again.get()) {
      std::cerr << "feedpop: passwd: the passwords differ\n";
      return exit_config;
    }
  } else if (!std::getline(std::cin, password.get())) {
    std::cerr << "feedpop: passwd: no password on standard input\n";
    return exit_config;
  }
  if (!password.get().empty() && password.get().back() == '\r') {
    password.get().pop_back();
  }
  if (password.get().empty()) {
    std::cerr << "feedpop: passwd: the password is empty\n";
    return exit_config;
  }
  std::cout << auth::format_scram_verifier(auth::make_scram_verifier(password.get(), iterations))
            << '\n';
  return exit_ok;
}

} // namespace

void add_passwd_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand(
      "passwd", "Read a password (no echo, or one line of stdin) and print a SCRAM-SHA-256 "
                "verifier for users.<name>.scram");
  static unsigned iterations = auth::scram_default_iterations;
  cmd->add_option("--iterations", iterations, "PBKDF2 iterations (RFC 7677: at least 4096)")
      ->check(CLI::Range(auth::scram_default_iterations, auth::scram_max_iterations));
  cmd->callback([&status] { status = run_passwd(iterations); });
}

} // namespace feedpop::gateway
