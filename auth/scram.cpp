#include "auth/scram.hpp"

#include <charconv>

#include "auth/crypto.hpp"
#include "common/base64.hpp"

namespace feedpop::auth {

ScramVerifier make_scram_verifier(std::string_view password, std::uint32_t iterations) {
  return make_scram_verifier(password, crypto::random_bytes(16), iterations);
}

ScramVerifier make_scram_verifier(std::string_view password, std::string_view salt,
                                  std::uint32_t iterations) {
  crypto::Secret salted(crypto::pbkdf2_sha256(password, salt, iterations));
  crypto::Secret client_key(crypto::hmac_sha256(salted.get(), "Client Key"));
  ScramVerifier v;
  v.iterations = iterations;
  v.salt = std::string(salt);
  v.stored_key = crypto::sha256(client_key.get());
  v.server_key = crypto::hmac_sha256(salted.get(), "Server Key");
  return v;
}

std::string format_scram_verifier(const ScramVerifier& v) {
  return std::string(scram_prefix) + std::to_string(v.iterations) + ":" + base64::encode(v.salt) +
         "$" + base64::encode(v.stored_key) + ":" + base64::encode(v.server_key);
}

ScramParseResult parse_scram_verifier(std::string_view text) {
  auto fail = [](std::string why) { return ScramParseResult{std::nullopt, std::move(why)}; };
  if (text.substr(0, scram_prefix.size()) != scram_prefix) {
    return fail("does not start with \"SCRAM-SHA-256$\"");
  }
  text.remove_prefix(scram_prefix.size());
  const auto dollar = text.find('$');
  if (dollar == std::string_view::npos) {
    return fail("expected <iterations>:<salt>$<StoredKey>:<ServerKey>");
  }
  const std::string_view params = text.substr(0, dollar);
  const std::string_view keys = text.substr(dollar + 1);
  const auto colon1 = params.find(':');
  const auto colon2 = keys.find(':');
  if (colon1 == std::string_view::npos || colon2 == std::string_view::npos) {
    return fail("expected <iterations>:<salt>$<StoredKey>:<ServerKey>");
  }
  ScramVerifier v;
  const std::string_view iter = params.substr(0, colon1);
  const auto [ptr, ec] = std::from_chars(iter.data(), iter.data() + iter.size(), v.iterations);
  if (ec != std::errc() || ptr != iter.data() + iter.size() || v.iterations == 0) {
    return fail("iteration count is not a positive number");
  }
  if (v.iterations > scram_max_iterations) {
    return fail("iteration count " + std::string(iter) + " is above " +
                std::to_string(scram_max_iterations) + ", the most one login may cost");
  }
  auto salt = base64::decode(params.substr(colon1 + 1));
  auto stored = base64::decode(keys.substr(0, colon2));
  auto server = base64::decode(keys.substr(colon2 + 1));
  if (!salt || salt->empty()) {
    return fail("salt is not valid base64");
  }
  if (!stored || stored->size() != 32 || !server || server->size() != 32) {
    return fail("StoredKey and ServerKey must be base64 of 32 octets");
  }
  v.salt = std::move(*salt);
  v.stored_key = std::move(*stored);
  v.server_key = std::move(*server);
  return {std::move(v), {}};
}

std::optional<std::string> validate_scram_verifier(std::string_view text) {
  auto parsed = parse_scram_verifier(text);
  if (parsed.verifier) {
    return std::nullopt;
  }
  return std::move(parsed.error);
}

std::string scram_fake_salt(std::string_view user) {
  static const std::string key = crypto::random_bytes(32);
  return crypto::hmac_sha256(key, user).substr(0, 16);
}

void scram_equal_work() {
  static const std::string password = crypto::random_bytes(16);
  static const std::string salt = crypto::random_bytes(16);
  (void)crypto::pbkdf2_sha256(password, salt, scram_default_iterations);
}

bool scram_password_matches(const ScramVerifier& verifier, std::string_view password) {
  crypto::Secret salted(crypto::pbkdf2_sha256(password, verifier.salt, verifier.iterations));
  crypto::Secret client_key(crypto::hmac_sha256(salted.get(), "Client Key"));
  return crypto::constant_time_equal(crypto::sha256(client_key.get()), verifier.stored_key);
}

} // namespace feedpop::auth
