// The built-in SASL mechanisms. Each is one class plus one registration function.
#include "auth/credentials.hpp"
#include "auth/crypto.hpp"
#include "auth/sasl.hpp"
#include "auth/scram.hpp"
#include "common/base64.hpp"

namespace feedpop::auth {
namespace {

using crypto::Secret;

// RFC 4616: message = [authzid] NUL authcid NUL passwd.
class PlainMechanism final : public SaslMechanism {
public:
  explicit PlainMechanism(SaslEnv& env) : env_(env) {}
  SaslStep step(std::optional<std::string_view> response) override {
    if (!response) {
      return SaslStep::challenge(""); // RFC 4616 §2: the client sends first
    }
    Secret message{std::string(*response)};
    const std::string& m = message.get();
    const auto nul1 = m.find('\0');
    const auto nul2 = nul1 == std::string::npos ? nul1 : m.find('\0', nul1 + 1);
    if (nul2 == std::string::npos || m.find('\0', nul2 + 1) != std::string::npos) {
      return SaslStep::failure();
    }
    std::string authzid = m.substr(0, nul1);
    std::string authcid = m.substr(nul1 + 1, nul2 - nul1 - 1);
    const std::string_view password = std::string_view(m).substr(nul2 + 1);
    // No proxy authorization: an authzid other than the user itself is refused.
    if (authcid.empty() || (!authzid.empty() && authzid != authcid)) {
      return SaslStep::failure();
    }
    if (!verify_plaintext(env_.credentials.lookup(authcid), password)) {
      return SaslStep::failure(std::move(authcid));
    }
    return SaslStep::success(std::move(authcid));
  }

private:
  SaslEnv& env_;
};

// The obsolete but still common LOGIN mechanism (draft-murchison-sasl-login): username and
// password, each after a server prompt. Older Outlook versions use only this.
class LoginMechanism final : public SaslMechanism {
public:
  explicit LoginMechanism(SaslEnv& env) : env_(env) {}
  SaslStep step(std::optional<std::string_view> response) override {
    if (!user_) {
      if (!response) {
        return SaslStep::challenge("Username:");
      }
      user_ = std::string(*response);
      if (user_->empty()) {
        return SaslStep::failure();
      }
      return SaslStep::challenge("Password:");
    }
    if (!response) {
      return SaslStep::failure();
    }
    Secret password{std::string(*response)};
    if (!verify_plaintext(env_.credentials.lookup(*user_), password.get())) {
      return SaslStep::failure(*user_);
    }
    return SaslStep::success(*user_);
  }

private:
  SaslEnv& env_;
  std::optional<std::string> user_;
};

// RFC 2195: the server sends <token>, the client answers "user HEX(HMAC-MD5(secret, token))".
class CramMd5Mechanism final : public SaslMechanism {
public:
  explicit CramMd5Mechanism(SaslEnv& env) : env_(env) {}
  SaslStep step(std::optional<std::string_view> response) override {
    if (challenge_.empty()) {
      if (response) {
        return SaslStep::failure(); // server-first: an initial response is a protocol error
      }
      challenge_ = make_challenge_token(env_.hostname);
      return SaslStep::challenge(challenge_);
    }
    if (!response) {
      return SaslStep::failure();
    }
    const auto space = response->rfind(' ');
    if (space == std::string_view::npos || space == 0) {
      return SaslStep::failure();
    }
    std::string user(response->substr(0, space));
    if (!verify_cram_md5(env_.credentials.lookup(user), challenge_, response->substr(space + 1))) {
      return SaslStep::failure(std::move(user));
    }
    return SaslStep::success(std::move(user));
  }

private:
  SaslEnv& env_;
  std::string challenge_;
};

// RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed.
std::optional<std::string> decode_saslname(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ',') {
      return std::nullopt;
    }
    if (s[i] != '=') {
      out += s[i];
      continue;
    }
    if (s.substr(i, 3) == "=2C") {
      out += ',';
    } else if (s.substr(i, 3) == "=3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

// RFC 5802 / RFC 7677 SCRAM-SHA-256 without channel binding.
class ScramSha256Mechanism final : public SaslMechanism {
public:
  explicit ScramSha256Mechanism(SaslEnv& env) : env_(env) {}
  SaslStep step(std::optional<std::string_view> response) override {
    switch (stage_) {
    case Stage::ClientFirst:
      if (!response) {
        return SaslStep::challenge("");
      }
      return client_first(*response);
    case Stage::ClientFinal:
      return response ? client_final(*response) : SaslStep::failure();
    case Stage::Done:
      // RFC 5034 §4: the server's final data went out as a challenge; the client must
      // answer with an empty response before the +OK.
      if (response && response->empty()) {
        return SaslStep::success(user_);
      }
      return SaslStep::failure(user_);
    }
    return SaslStep::failure();
  }

private:
  enum class Stage { ClientFirst, ClientFinal, Done };

  SaslStep client_first(std::string_view msg) {
    // gs2-header: "n,," or "y,," (we offer no -PLUS variant) with an optional authzid.
    if (msg.size() < 3 || (msg[0] != 'n' && msg[0] != 'y') || msg[1] != ',') {
      return SaslStep::failure();
    }
    const auto comma = msg.find(',', 2);
    if (comma == std::string_view::npos) {
      return SaslStep::failure();
    }
    const std::string_view authzid = msg.substr(2, comma - 2);
    gs2_header_ = std::string(msg.substr(0, comma + 1));
    bare_ = std::string(msg.substr(comma + 1));
    if (bare_.rfind("n=", 0) != 0) {
      return SaslStep::failure(); // also rejects the reserved "m=" extension
    }
    const auto nonce_at = bare_.find(",r=");
    if (nonce_at == std::string::npos) {
      return SaslStep::failure();
    }
    auto user = decode_saslname(std::string_view(bare_).substr(2, nonce_at - 2));
    std::string_view nonce = std::string_view(bare_).substr(nonce_at + 3);
    nonce = nonce.substr(0, nonce.find(','));
    if (!user || user->empty() || nonce.empty()) {
      return SaslStep::failure();
    }
    if (!authzid.empty()) {
      auto az = authzid.rfind("a=", 0) == 0 ? decode_saslname(authzid.substr(2)) : std::nullopt;
      if (!az || *az != *user) {
        return SaslStep::failure();
      }
    }
    user_ = std::move(*user);
    const auto credentials = env_.credentials.lookup(user_);
    // Each branch costs one PBKDF2 at the default count, so the reply's timing does not
    // tell a stored verifier, a plaintext password and an unknown name apart; an unknown
    // name gets a fake salt and the default count (scram_fake_salt) and never matches.
    if (credentials && credentials->scram) {
      verifier_ = *credentials->scram;
      known_ = true;
      scram_equal_work();
    } else if (credentials && credentials->plaintext) {
      verifier_ = make_scram_verifier(*credentials->plaintext, scram_fake_salt(user_),
                                      scram_default_iterations);
      known_ = true;
    } else {
      verifier_ = make_scram_verifier(crypto::random_bytes(16), scram_fake_salt(user_),
                                      scram_default_iterations);
    }
    nonce_ = std::string(nonce) + base64::encode(crypto::random_bytes(18));
    server_first_ = "r=" + nonce_ + ",s=" + base64::encode(verifier_.salt) +
                    ",i=" + std::to_string(verifier_.iterations);
    stage_ = Stage::ClientFinal;
    return SaslStep::challenge(server_first_);
  }

  SaslStep client_final(std::string_view msg) {
    const auto proof_at = msg.rfind(",p=");
    if (proof_at == std::string_view::npos) {
      return SaslStep::failure();
    }
    const std::string_view without_proof = msg.substr(0, proof_at);
    const auto proof = base64::decode(msg.substr(proof_at + 3));
    const std::string expected_prefix = "c=" + base64::encode(gs2_header_) + ",r=" + nonce_;
    if (!proof || proof->size() != 32 ||
        (without_proof != expected_prefix && without_proof.rfind(expected_prefix + ",", 0) != 0)) {
      return SaslStep::failure(user_);
    }
    const std::string auth_message = bare_ + "," + server_first_ + "," + std::string(without_proof);
    const std::string signature = crypto::hmac_sha256(verifier_.stored_key, auth_message);
    Secret client_key(*proof);
    for (std::size_t i = 0; i < 32; ++i) {
      client_key.get()[i] = static_cast<char>(client_key.get()[i] ^ signature[i]);
    }
    const bool ok =
        crypto::constant_time_equal(crypto::sha256(client_key.get()), verifier_.stored_key);
    if (!ok || !known_) {
      return SaslStep::failure(user_);
    }
    stage_ = Stage::Done;
    return SaslStep::verified_challenge(
        "v=" + base64::encode(crypto::hmac_sha256(verifier_.server_key, auth_message)), user_);
  }

  SaslEnv& env_;
  Stage stage_ = Stage::ClientFirst;
  std::string user_, gs2_header_, bare_, nonce_, server_first_;
  ScramVerifier verifier_;
  bool known_ = false;
};

template <class M> std::function<std::unique_ptr<SaslMechanism>(SaslEnv&)> factory() {
  return [](SaslEnv& env) { return std::make_unique<M>(env); };
}

} // namespace

void add_plain_mechanism(SaslRegistry& r) {
  r.add({"PLAIN", true, false, factory<PlainMechanism>()});
}
void add_login_mechanism(SaslRegistry& r) {
  r.add({"LOGIN", true, false, factory<LoginMechanism>()});
}
void add_cram_md5_mechanism(SaslRegistry& r) {
  r.add({"CRAM-MD5", true, true, factory<CramMd5Mechanism>()});
}
void add_scram_sha256_mechanism(SaslRegistry& r) {
  r.add({"SCRAM-SHA-256", false, false, factory<ScramSha256Mechanism>()});
}

} // namespace feedpop::auth
