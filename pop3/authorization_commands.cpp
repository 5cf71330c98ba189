// AUTHORIZATION-state commands (RFC 1939 §4, §7; RFC 2449; RFC 2595; RFC 5034), and CAPA.
#include <utility>

#include "auth/crypto.hpp"
#include "common/base64.hpp"
#include "common/metrics.hpp"
#include "pop3/session.hpp"

namespace feedpop::pop3 {

namespace crypto = auth::crypto;

bool Session::plaintext_allowed() const {
  switch (options_.plaintext_auth) {
  case PlaintextAuth::always:
    return true;
  case PlaintextAuth::local:
    return options_.tls_active || options_.loopback;
  case PlaintextAuth::never:
    return options_.tls_active;
  }
  return false;
}

bool Session::mechanism_allowed(const SaslMechanismInfo& m) const {
  if (m.plaintext && !plaintext_allowed()) {
    return false;
  }
  return !m.needs_plaintext_secret || authenticator_->has_plaintext_secrets();
}

Action Session::cmd_capa(const Request&) {
  // RFC 2449 §5: each capability only where it may be used on this connection now.
  out_ += "+OK Capability list follows\r\n";
  MultilineWriter w;
  const auto verbs = [&](Capability which) {
    for (const auto& c : commands()) {
      if (c.capability == which && offered(which)) {
        w.write_line(c.name, out_);
      }
    }
  };
  verbs(Capability::Always); // TOP, UIDL
  w.write_line("RESP-CODES", out_);
  w.write_line("AUTH-RESP-CODE", out_);
  w.write_line("PIPELINING", out_);
  auto days = options_.expire_days ? options_.expire_days : authenticator_->expire_days();
  w.write_line(days ? "EXPIRE " + std::to_string(*days) : std::string("EXPIRE NEVER"), out_);
  if (state_ == State::Authorization) {
    verbs(Capability::WhenPlaintext); // USER
    std::string sasl = "SASL";
    for (const auto& m : sasl_->mechanisms()) {
      if (mechanism_allowed(m)) {
        sasl += ' ';
        sasl += m.name;
      }
    }
    if (sasl.size() > 4) {
      w.write_line(sasl, out_);
    }
    verbs(Capability::WhenStls);
  } else {
    // RFC 2449 §6.9: IMPLEMENTATION is better not shown before authentication.
    w.write_line("IMPLEMENTATION " + options_.implementation, out_);
  }
  w.finish(out_);
  return Action::Continue;
}

Action Session::cmd_user(const Request& r) {
  const Args& args = r.args;
  if (!plaintext_allowed()) {
    user_.reset();
    return err("[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
               "connections.");
  }
  if (args.size() != 1) {
    return bad("USER needs exactly one argument.");
  }
  user_ = std::string(args[0]);
  return ok("");
}

Action Session::cmd_pass(const Request& r) {
  const std::string_view rest = r.rest;
  if (!user_) {
    return bad("No user name given, send USER first.");
  }
  if (!plaintext_allowed()) {
    return err("[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
               "connections.");
  }
  // RFC 1939 §7: the password is the rest of the line; it may contain spaces.
  crypto::Secret password{std::string(rest)};
  const std::string user = *std::exchange(user_, std::nullopt);
  if (!auth::verify_plaintext(authenticator_->lookup(user), password.get())) {
    return auth_failed("USER", user);
  }
  return login(user);
}

Action Session::cmd_apop(const Request& r) {
  const Args& args = r.args;
  if (!plaintext_allowed()) {
    return err("[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
               "connections.");
  }
  if (timestamp_.empty()) {
    return bad("APOP is not available.");
  }
  if (args.size() != 2 || args[1].size() != 32) {
    return bad("APOP needs a name and an MD5 digest.");
  }
  const std::string user(args[0]);
  // RFC 1939 §7: digest = MD5(timestamp + shared secret); needs the plaintext secret.
  if (!auth::verify_apop(authenticator_->lookup(user), timestamp_, args[1])) {
    return auth_failed("APOP", user);
  }
  return login(user);
}

Action Session::cmd_stls(const Request&) {
  if (!options_.tls_available || options_.tls_active) {
    // RFC 2595 §4: STLS is not valid once TLS is active.
    return bad(options_.tls_active ? "TLS is already active." : "TLS is not available.");
  }
  user_.reset();
  ok("Begin TLS negotiation now.");
  return Action::StartTls;
}

Action Session::cmd_auth(const Request& r) {
  const Args& args = r.args;
  if (args.empty()) {
    // A bare AUTH lists the mechanisms (the pre-RFC 5034 discovery Outlook still uses).
    out_ += "+OK\r\n";
    MultilineWriter w;
    for (const auto& m : sasl_->mechanisms()) {
      if (mechanism_allowed(m)) {
        w.write_line(m.name, out_);
      }
    }
    w.finish(out_);
    return Action::Continue;
  }
  if (args.size() > 2) {
    return bad("AUTH takes a mechanism and an optional initial response.");
  }
  const SaslMechanismInfo* info = sasl_->find(args[0]);
  if (info == nullptr ||
      (info->needs_plaintext_secret && !authenticator_->has_plaintext_secrets())) {
    return err("Unsupported authentication mechanism.");
  }
  if (!mechanism_allowed(*info)) {
    return err("[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) "
               "connections.");
  }
  user_.reset();
  sasl_env_ = std::make_unique<SaslEnv>(SaslEnv{*authenticator_, options_.hostname});
  mechanism_ = info->create(*sasl_env_);
  mechanism_name_ = info->name;
  if (args.size() == 1) {
    return sasl_result(mechanism_->step(std::nullopt));
  }
  // RFC 5034 §4: "=" is an empty initial response.
  if (args[1] == "=") {
    return sasl_result(mechanism_->step(std::string_view{}));
  }
  auto decoded = base64::decode(args[1]);
  if (!decoded) {
    mechanism_.reset();
    return bad("Invalid base64 data in initial response.");
  }
  crypto::Secret data{std::move(*decoded)};
  return sasl_result(mechanism_->step(std::string_view(data.get())));
}

Action Session::sasl_response(std::string_view line) {
  if (line == "*") {
    // RFC 5034 §4: the client cancels; the server must reject the AUTH command.
    mechanism_.reset();
    return err("Authentication aborted by client.");
  }
  auto decoded = base64::decode(line);
  if (!decoded) {
    mechanism_.reset();
    return bad("Invalid base64 data in continued response.");
  }
  crypto::Secret data{std::move(*decoded)};
  return sasl_result(mechanism_->step(std::string_view(data.get())));
}

Action Session::sasl_result(SaslStep step) {
  switch (step.kind) {
  case SaslStep::Kind::Challenge:
    if (step.verified) {
      // The challenge carries the server's proof, and with it the verdict.
      auth_attempt_ = AuthAttempt{std::move(step.checked_user), true};
    }
    out_ += "+ ";
    out_ += base64::encode(step.data);
    out_ += "\r\n";
    return Action::Continue;
  case SaslStep::Kind::Success:
    mechanism_.reset();
    return login(step.data);
  case SaslStep::Kind::Failure:
    break;
  }
  mechanism_.reset();
  return auth_failed(mechanism_name_, step.checked_user);
}

std::optional<Session::AuthAttempt> Session::take_auth_attempt() {
  return std::exchange(auth_attempt_, std::nullopt);
}

Action Session::auth_failed(std::string_view mechanism, std::string_view user) {
  // Unknown user and wrong secret get the same reply and the same delay.
  ++stats_.auth_failures;
  metrics::handles().auth_failure("pop3", mechanism).inc();
  auth_attempt_ = AuthAttempt{std::string(user), false};
  err("[AUTH] Authentication failed.");
  if (stats_.auth_failures >= options_.max_auth_failures) {
    // Parallel guessing is throttled per address and user name (auth::Throttle); closing
    // also frees the connection slot a guesser holds.
    stats_.end_reason = "too many authentication failures";
    finished_ = true;
    return Action::Close;
  }
  return Action::Continue;
}

Action Session::login(std::string_view user) {
  auth_attempt_ = AuthAttempt{std::string(user), true};
  if (options_.locks) {
    lock_ = options_.locks->try_lock(user);
    if (!lock_) {
      // RFC 2449 §8.1.1: the maildrop is in use by another session.
      return err("[IN-USE] Mailbox is locked by another POP3 session.");
    }
  }
  try {
    maildrop_ = authenticator_->open(user);
  } catch (const MaildropError& e) {
    lock_.reset();
    return storage_error(e);
  }
  deleted_.assign(maildrop_->messages().size(), false);
  stats_.user = std::string(user);
  state_ = State::Transaction;
  bad_commands_ = 0;
  return ok("Logged in.");
}

} // namespace feedpop::pop3
