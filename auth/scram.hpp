#pragma once
// SCRAM-SHA-256 verifiers (RFC 5802 §3, RFC 7677) in Dovecot's text form, so the config
// can hold "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>"
// instead of a plaintext password (`feedpop passwd` prints one).
//
// Pure functions, thread-safe. make_scram_verifier throws std::runtime_error only when
// OpenSSL fails; parse_scram_verifier returns nullopt with a reason for malformed text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/credentials.hpp"

namespace feedpop::auth {

inline constexpr std::uint32_t scram_default_iterations = 4096; // RFC 7677 §4's minimum
// The most one login may cost (PBKDF2 runs at every PLAIN/LOGIN/USER check of a verifier):
// parse_scram_verifier refuses more, so `check` reports it and logins never pay it.
inline constexpr std::uint32_t scram_max_iterations = 100000;
inline constexpr std::string_view scram_prefix = "SCRAM-SHA-256$";

// Derives a verifier from a password with a fresh random 16-octet salt.
ScramVerifier make_scram_verifier(std::string_view password,
                                  std::uint32_t iterations = scram_default_iterations);
// Same, with a given salt (deterministic; used for unknown users and tests).
ScramVerifier make_scram_verifier(std::string_view password, std::string_view salt,
                                  std::uint32_t iterations);

std::string format_scram_verifier(const ScramVerifier& verifier);

struct ScramParseResult {
  std::optional<ScramVerifier> verifier;
  std::string error; // why it was refused, when verifier is empty
};
ScramParseResult parse_scram_verifier(std::string_view text);
// Why a stored verifier is refused (malformed, or over scram_max_iterations), for the
// config's validation; nullopt when it is usable.
std::optional<std::string> validate_scram_verifier(std::string_view text);

// What an unknown user looks like (RFC 5802 §9 leaves it to the server; here nothing
// tells them apart from a known one): a salt of 16 octets derived from the name with a
// per-process secret, stable across attempts, with scram_default_iterations.
std::string scram_fake_salt(std::string_view user);
// One PBKDF2 at scram_default_iterations: the work a check does for a user without a
// verifier, so known and unknown users cost the same.
void scram_equal_work();

// True when `password` matches the verifier (RFC 5802 §3: H(HMAC(SaltedPassword,
// "Client Key")) == StoredKey), compared in constant time.
bool scram_password_matches(const ScramVerifier& verifier, std::string_view password);

} // namespace feedpop::auth
