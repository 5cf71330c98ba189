#pragma once
// Users' secrets and the checks made against them, for every protocol that logs users in
// (POP3 today; SMTP submission and the web page next). A protocol asks a CredentialStore
// for a user's Credentials and checks a client's answer with one of the verify_*
// functions below or with a SASL mechanism (auth/sasl.hpp); what happens after a
// successful login (opening a mailbox, a web session) is the protocol's business.
//
// Every check treats an unknown user (nullopt) like a known one with a wrong secret: the
// same answer after comparable work, so neither the reply nor its timing reveals whether a
// name exists. Comparisons are constant-time. Pure functions, thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace feedpop::auth {

// A SCRAM-SHA-256 verifier (RFC 5802 §3, RFC 7677): no plaintext needed.
struct ScramVerifier {
  std::uint32_t iterations = 0;
  std::string salt;       // raw bytes
  std::string stored_key; // raw bytes, 32
  std::string server_key; // raw bytes, 32
};

struct Credentials {
  std::optional<std::string> plaintext; // enables APOP, CRAM-MD5 (and everything else)
  std::optional<ScramVerifier> scram;   // enables SCRAM-SHA-256 (and PLAIN/LOGIN/USER)
};

// Where credentials come from (the gateway's config, a test's map). Thread-safe: called
// from every I/O thread of every protocol.
class CredentialStore {
public:
  virtual ~CredentialStore() = default;
  // nullopt for an unknown user (or one with no secret at all).
  virtual std::optional<Credentials> lookup(std::string_view user) = 0;
  // Whether any user may have a plaintext secret. When false, the mechanisms that need the
  // plaintext (APOP, CRAM-MD5: RFC 1939 §7, RFC 2195) are not offered.
  virtual bool has_plaintext_secrets() const { return true; }
};

// A password sent in clear (USER/PASS, PLAIN, LOGIN) against either kind of secret.
bool verify_plaintext(const std::optional<Credentials>& credentials, std::string_view password);

// RFC 1939 §7 APOP: `digest` (hex, any case) == MD5(timestamp + shared secret).
bool verify_apop(const std::optional<Credentials>& credentials, std::string_view timestamp,
                 std::string_view digest);

// RFC 2195 CRAM-MD5: `digest` (hex, any case) == HMAC-MD5(shared secret, challenge).
bool verify_cram_md5(const std::optional<Credentials>& credentials, std::string_view challenge,
                     std::string_view digest);

// A fresh "<pid.counter.time.random@host>" token (RFC 1939 §7, RFC 2195 §2), made only of
// A-Za-z0-9.@_-+/ (mpop refuses anything else); other characters of `hostname` are dropped.
std::string make_challenge_token(std::string_view hostname);

} // namespace feedpop::auth
