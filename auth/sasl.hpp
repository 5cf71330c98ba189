#pragma once
// SASL (RFC 4422) as an extensible registry (N3's extendAUTH, STYLE.md §2), shared by every
// protocol that authenticates (POP3 AUTH, RFC 5034; SMTP AUTH, RFC 4954): a mechanism is
// one SaslMechanism class plus one SaslRegistry::add() call. A protocol's capability
// listing (POP3 CAPA's SASL line, SMTP's EHLO AUTH) is generated from the registry.
//
// A mechanism never sees a socket or base64: the protocol decodes each client response and
// encodes each challenge. Mechanisms wipe the secrets they handled (crypto::Secret).
// Threading: a registry is filled before the server starts and then only read (shared by
// all I/O threads); a mechanism instance belongs to one session.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"

namespace feedpop::auth {

struct SaslStep {
  enum class Kind { Challenge, Success, Failure };
  Kind kind = Kind::Failure;
  std::string data; // Challenge: raw octets to send; Success: the authenticated user
  // Set when this step checked a secret: the user name tried, and on a Challenge, that the
  // check passed (SCRAM's server-final message proves the server and so reveals the
  // verdict). A protocol throttles these answers like a Success or Failure (throttle.hpp).
  std::string checked_user;
  bool verified = false;
  static SaslStep challenge(std::string bytes) {
    return {Kind::Challenge, std::move(bytes), {}, false};
  }
  static SaslStep success(std::string user) { return {Kind::Success, std::move(user), {}, false}; }
  static SaslStep failure(std::string checked_user = {}) {
    return {Kind::Failure, {}, std::move(checked_user), false};
  }
  static SaslStep verified_challenge(std::string bytes, std::string user) {
    return {Kind::Challenge, std::move(bytes), std::move(user), true};
  }
};

// What a running mechanism may use from the server.
struct SaslEnv {
  CredentialStore& credentials;
  std::string hostname; // for server challenges such as CRAM-MD5's <...@hostname>
};

class SaslMechanism {
public:
  virtual ~SaslMechanism() = default;
  // First call: the client's initial response (RFC 5034 §4; "=" arrives as empty), or
  // nullopt when the client sent none. Later calls: each decoded continuation response.
  virtual SaslStep step(std::optional<std::string_view> response) = 0;
};

struct SaslMechanismInfo {
  std::string name; // as advertised, upper case ("SCRAM-SHA-256")
  // Obeys plaintext_auth (never/local: not offered or accepted without TLS): a password in
  // clear, or a digest of it that lets a sniffer run an offline dictionary attack (APOP,
  // CRAM-MD5). Only SCRAM is offered everywhere.
  bool plaintext = false;
  bool needs_plaintext_secret = false; // only users with a stored plaintext password
  std::function<std::unique_ptr<SaslMechanism>(SaslEnv&)> create;
};

class SaslRegistry {
public:
  // Adds a mechanism, replacing one of the same name; the advertised order is the order of
  // addition.
  void add(SaslMechanismInfo info);
  // Case-insensitive (RFC 5034 §4: mechanism names are case-insensitive).
  const SaslMechanismInfo* find(std::string_view name) const;
  const std::vector<SaslMechanismInfo>& mechanisms() const { return mechanisms_; }
  // PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), SCRAM-SHA-256 (RFC 5802, RFC 7677).
  static SaslRegistry with_defaults();

private:
  std::vector<SaslMechanismInfo> mechanisms_;
};

void add_plain_mechanism(SaslRegistry& registry);
void add_login_mechanism(SaslRegistry& registry);
void add_cram_md5_mechanism(SaslRegistry& registry);
void add_scram_sha256_mechanism(SaslRegistry& registry);

} // namespace feedpop::auth
