// The command table and dispatch: every POP3 verb once (as Dovecot's pop3_commands[]),
// with the states it is valid in (RFC 1939 §4-§7, RFC 2449, RFC 2595, RFC 5034), what
// CAPA lists of it, and its handler (authorization_commands.cpp, transaction_commands.cpp).
#include <algorithm>
#include <array>

#include "pop3/session.hpp"

namespace feedpop::pop3 {

std::span<const Session::Command> Session::commands() {
  using C = Capability;
  // Order: CAPA lists the verbs of one kind in this order.
  static constexpr std::array<Command, 15> table{{
      // {verb, valid in AUTHORIZATION, valid in TRANSACTION, CAPA lists it, handler}
      {"CAPA", true, true, C::None, &Session::cmd_capa},
      {"QUIT", true, true, C::None, &Session::cmd_quit},
      {"USER", true, false, C::WhenPlaintext, &Session::cmd_user},
      {"PASS", true, false, C::None, &Session::cmd_pass},
      {"APOP", true, false, C::None, &Session::cmd_apop},
      {"AUTH", true, false, C::None, &Session::cmd_auth}, // CAPA: the SASL line
      {"STLS", true, false, C::WhenStls, &Session::cmd_stls},
      {"STAT", false, true, C::None, &Session::cmd_stat},
      {"LIST", false, true, C::None, &Session::cmd_list},
      {"RETR", false, true, C::None, &Session::cmd_retr},
      {"TOP", false, true, C::Always, &Session::cmd_top},
      {"UIDL", false, true, C::Always, &Session::cmd_uidl},
      {"DELE", false, true, C::None, &Session::cmd_dele},
      {"RSET", false, true, C::None, &Session::cmd_rset},
      {"NOOP", false, true, C::None, &Session::cmd_noop},
  }};
  return table;
}

bool Session::offered(Capability capability) const {
  switch (capability) {
  case Capability::None:
    return false;
  case Capability::Always:
    return true;
  case Capability::WhenPlaintext:
    return plaintext_allowed();
  case Capability::WhenStls:
    return options_.tls_available && !options_.tls_active;
  }
  return false;
}

Action Session::dispatch(std::string_view verb, const Args& args, std::string_view rest) {
  const auto table = commands();
  const auto command =
      std::find_if(table.begin(), table.end(), [verb](const Command& c) { return c.name == verb; });
  if (command == table.end()) {
    return bad("Unknown command.");
  }
  switch (state_) {
  case State::Authorization:
    if (!command->in_authorization) {
      return bad("Command not valid in this state, log in first.");
    }
    break;
  case State::Transaction:
    if (!command->in_transaction) {
      return bad("Command not valid in this state, already logged in.");
    }
    break;
  case State::Update:
    return Action::Close;
  }
  return (this->*command->handler)(Request{args, rest});
}

} // namespace feedpop::pop3
