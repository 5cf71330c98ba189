// EHLO/HELO (RFC 5321 §4.1.1.1), STARTTLS (RFC 3207), AUTH (RFC 4954) and HELP.
#include <exception>

#include "auth/crypto.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "common/metrics.hpp"
#include "smtp/session.hpp"

namespace feedpop::smtp {

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

bool Session::mechanism_allowed(const auth::SaslMechanismInfo& m) const {
  if (m.plaintext && !plaintext_allowed()) {
    return false;
  }
  return !m.needs_plaintext_secret || credentials_->has_plaintext_secrets();
}

Action Session::cmd_ehlo(const Args& args, bool extended) {
  if (args.empty()) {
    return bad(extended ? "501 5.5.4 Syntax: EHLO hostname" : "501 5.5.4 Syntax: HELO hostname");
  }
  // RFC 5321 §4.1.4: EHLO/HELO again resets the mail transaction; a login stays.
  reset_transaction();
  helo_ = std::string(args[0]);
  extended_ = extended;
  if (!extended) {
    return reply("250 " + options_.hostname);
  }
  std::vector<std::string> lines{
      options_.hostname, "PIPELINING",          "SIZE " + std::to_string(options_.max_message_size),
      "8BITMIME",        "ENHANCEDSTATUSCODES", "SMTPUTF8"};
  if (options_.tls_available && !options_.tls_active) {
    lines.emplace_back("STARTTLS");
  }
  if (!user_) {
    std::string mechanisms;
    for (const auto& m : sasl_->mechanisms()) {
      if (mechanism_allowed(m)) {
        mechanisms += ' ' + m.name;
      }
    }
    if (!mechanisms.empty()) {
      lines.push_back("AUTH" + mechanisms);
    }
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    reply((i + 1 < lines.size() ? "250-" : "250 ") + lines[i]);
  }
  return Action::Continue;
}

Action Session::cmd_starttls(const Args& args) {
  if (!args.empty()) {
    return bad("501 5.5.4 Syntax: STARTTLS");
  }
  if (options_.tls_active) {
    return bad("503 5.5.1 TLS already active");
  }
  if (!options_.tls_available) {
    return bad("454 4.7.0 TLS not available");
  }
  reply("220 2.0.0 Ready to start TLS");
  return Action::StartTls;
}

Action Session::cmd_auth(const Args& args) {
  if (!extended_) {
    return bad("503 5.5.1 Send EHLO first");
  }
  if (user_) {
    return bad("503 5.5.1 Already authenticated"); // RFC 4954 §4
  }
  if (mail_from_) {
    return bad("503 5.5.1 AUTH not permitted during a mail transaction");
  }
  if (args.empty() || args.size() > 2) {
    return bad("501 5.5.4 Syntax: AUTH mechanism [initial-response]");
  }
  const auth::SaslMechanismInfo* info = sasl_->find(args[0]);
  if (info == nullptr || (info->needs_plaintext_secret && !mechanism_allowed(*info))) {
    return bad("504 5.5.4 Unrecognized authentication type");
  }
  if (!mechanism_allowed(*info)) {
    // RFC 4954 §6: the mechanism needs an encrypted connection.
    return bad("538 5.7.11 Encryption required for requested authentication mechanism");
  }
  sasl_env_ = std::make_unique<auth::SaslEnv>(auth::SaslEnv{*credentials_, options_.hostname});
  exchange_ = info->create(*sasl_env_);
  mechanism_name_ = info->name;
  if (args.size() == 1) {
    return sasl_step(std::nullopt);
  }
  if (args[1] == "=") {
    return sasl_step(std::string_view{}); // RFC 4954 §4: empty response
  }
  auto decoded = base64::decode(args[1]);
  if (!decoded) {
    exchange_.reset();
    return bad("501 5.5.2 Cannot decode initial response");
  }
  const auth::crypto::Secret data{std::move(*decoded)};
  return sasl_step(std::string_view(data.get()));
}

Action Session::sasl_step(std::optional<std::string_view> response) {
  try {
    return sasl_result(exchange_->step(response));
  } catch (const std::exception& e) {
    // The credential store failed (not the client): RFC 4954 §6's temporary failure.
    exchange_.reset();
    mode_ = Mode::Command;
    stats_.end_reason = std::string("credential lookup: ") + e.what();
    return reply("454 4.7.0 Temporary authentication failure");
  }
}

Action Session::sasl_line(std::string_view line) {
  mode_ = Mode::Command;
  if (line == "*") {
    exchange_.reset();
    return reply("501 5.0.0 Authentication cancelled"); // RFC 4954 §4
  }
  auto decoded = base64::decode(line);
  if (!decoded) {
    exchange_.reset();
    return bad("501 5.5.2 Cannot decode response");
  }
  const auth::crypto::Secret data{std::move(*decoded)};
  return sasl_step(std::string_view(data.get()));
}

Action Session::sasl_result(auth::SaslStep step) {
  switch (step.kind) {
  case auth::SaslStep::Kind::Challenge:
    mode_ = Mode::Sasl;
    if (step.verified) {
      // SCRAM's server-final message proves the server and so carries the verdict.
      verdict_at_ = out_.size();
      auth_attempt_ = AuthAttempt{std::move(step.checked_user), true};
      ++stats_.auth_attempts;
    }
    return reply("334 " + base64::encode(step.data));
  case auth::SaslStep::Kind::Success:
    exchange_.reset();
    mode_ = Mode::Command;
    verdict_at_ = out_.size();
    auth_attempt_ = AuthAttempt{step.data, true};
    ++stats_.auth_attempts;
    user_ = step.data;
    stats_.user = step.data;
    bad_commands_ = 0;
    return reply("235 2.7.0 Authentication successful");
  case auth::SaslStep::Kind::Failure:
    break;
  }
  return auth_failed(std::move(step.checked_user));
}

Action Session::auth_failed(std::string user) {
  // Unknown user and wrong secret: the same reply, and the throttle's same treatment.
  exchange_.reset();
  mode_ = Mode::Command;
  ++stats_.auth_failures;
  metrics::handles().auth_failure("smtp", mechanism_name_).inc();
  verdict_at_ = out_.size();
  auth_attempt_ = AuthAttempt{std::move(user), false};
  ++stats_.auth_attempts;
  reply("535 5.7.8 Authentication credentials invalid");
  if (stats_.auth_failures >= options_.max_auth_failures) {
    reply("421 4.7.0 " + options_.hostname + " Too many authentication failures");
    stats_.end_reason = "too many authentication failures";
    finished_ = true;
    return Action::Close;
  }
  return Action::Continue;
}

Action Session::cmd_help() {
  const std::string& host = options_.hostname;
  reply("214-2.0.0 feedpop accepts mail from its users to feedpop@" + host + " only.");
  reply("214-2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
  return reply("214 2.0.0 Send \"help\" to feedpop@" + host + " for the commands by mail.");
}

} // namespace feedpop::smtp
