#pragma once
// A minimal SCRAM-SHA-256 client (RFC 5802 §3) for the tests, checked against RFC 7677's
// example exchange before it is used against the server.
#include <string>

#include "auth/crypto.hpp"
#include "common/base64.hpp"

namespace feedpop::auth::testing {

struct ScramClient {
  std::string user, password, cnonce;
  std::string client_first_bare() const { return "n=" + user + ",r=" + cnonce; }
  std::string client_first() const { return "n,," + client_first_bare(); }
  std::string server_signature; // expected v=, set by client_final()
  std::string client_final(const std::string& server_first) const;
  mutable std::string expected_v;
};

inline std::string field(const std::string& msg, char key) {
  const std::string k = std::string(1, key) + "=";
  std::size_t pos = 0;
  while (pos < msg.size()) {
    const auto end = msg.find(',', pos);
    const std::string part = msg.substr(pos, end == std::string::npos ? end : end - pos);
    if (part.rfind(k, 0) == 0) {
      return part.substr(2);
    }
    if (end == std::string::npos) {
      break;
    }
    pos = end + 1;
  }
  return {};
}

inline std::string ScramClient::client_final(const std::string& server_first) const {
  const std::string nonce = field(server_first, 'r');
  const std::string salt = *base64::decode(field(server_first, 's'));
  const auto iterations = static_cast<std::uint32_t>(std::stoul(field(server_first, 'i')));
  const std::string without_proof = "c=biws,r=" + nonce;
  const std::string auth_message = client_first_bare() + "," + server_first + "," + without_proof;
  const std::string salted = crypto::pbkdf2_sha256(password, salt, iterations);
  const std::string client_key = crypto::hmac_sha256(salted, "Client Key");
  const std::string signature = crypto::hmac_sha256(crypto::sha256(client_key), auth_message);
  std::string proof = client_key;
  for (std::size_t i = 0; i < proof.size(); ++i) {
    proof[i] = static_cast<char>(proof[i] ^ signature[i]);
  }
  expected_v = "v=" + base64::encode(crypto::hmac_sha256(crypto::hmac_sha256(salted, "Server Key"),
                                                         auth_message));
  return without_proof + ",p=" + base64::encode(proof);
}

} // namespace feedpop::auth::testing
