// Every SASL mechanism through the Session: success, wrong secrets, malformed input,
// cancel; plus a custom mechanism registered by the test (N3's extendAUTH).
#include <gtest/gtest.h>

#include "pop3/crypto.hpp"
#include "pop3/scram.hpp"
#include "pop3/session.hpp"
#include "tests/pop3/memory_maildrop.hpp"
#include "tests/pop3/scram_client.hpp"

namespace feedpop::pop3 {
namespace {

using crypto::base64_decode;
using crypto::base64_encode;

struct Client {
  std::shared_ptr<testing::MemoryStore> store = testing::make_standard_store();
  std::shared_ptr<SaslRegistry> registry =
      std::make_shared<SaslRegistry>(SaslRegistry::with_defaults());
  std::unique_ptr<Session> session;
  void open() {
    SessionOptions o;
    o.loopback = true;
    o.hostname = "test.example";
    session = std::make_unique<Session>(o, std::make_shared<testing::MemoryAuthenticator>(store),
                                        registry);
    session->start();
    read();
  }
  std::string read() {
    std::string out;
    while (session->has_output()) {
      out.append(session->next_output());
    }
    return out;
  }
  std::string say(const std::string& line) {
    session->on_line(line);
    return read();
  }
  // The decoded payload of a "+ <base64>\r\n" continuation, or "!" + the reply.
  std::string challenge(const std::string& reply) {
    if (reply.rfind("+ ", 0) != 0) {
      return "!" + reply;
    }
    return base64_decode(reply.substr(2, reply.size() - 4)).value_or("!bad base64");
  }
};

TEST(Sasl, ScramClientReproducesRfc7677Example) {
  // RFC 7677 §3: user "user", password "pencil".
  testing::ScramClient c{"user", "pencil", "rOprNGfwEbeRWgbNEkqO", {}, {}};
  const std::string server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                   "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  EXPECT_EQ(c.client_final(server_first),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_EQ(c.expected_v, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

void scram_login(Client& t, const std::string& user, const std::string& password, bool expect_ok) {
  testing::ScramClient c{user, password, "clientnonce123", {}, {}};
  const std::string server_first =
      t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64_encode(c.client_first())));
  ASSERT_EQ(server_first.rfind("r=clientnonce123", 0), 0u) << server_first;
  const std::string reply = t.say(base64_encode(c.client_final(server_first)));
  if (!expect_ok) {
    EXPECT_EQ(reply, "-ERR [AUTH] Authentication failed.\r\n");
    EXPECT_TRUE(t.session->take_auth_failure());
    return;
  }
  EXPECT_EQ(t.challenge(reply), c.expected_v); // server proves it knows the verifier
  EXPECT_EQ(t.say(""), "+OK Logged in.\r\n");
}

TEST(Sasl, ScramSha256LogsInWithAStoredVerifier) {
  Client t;
  t.open();
  scram_login(t, "bob", "hunter2", true);
  EXPECT_EQ(t.say("STAT"), "+OK 1 28\r\n");
}

TEST(Sasl, ScramSha256WorksForPlaintextUsersToo) {
  Client t;
  t.open();
  scram_login(t, "alice", "secret", true);
}

TEST(Sasl, ScramSha256RefusesWrongPasswordAndUnknownUserAlike) {
  Client t;
  t.open();
  scram_login(t, "bob", "hunter3", false);
  scram_login(t, "nobody", "hunter2", false);
}

TEST(Sasl, ScramSha256UnknownUserGetsStableSaltLikeAKnownOne) {
  Client t;
  t.open();
  testing::ScramClient c{"nobody", "x", "n1", {}, {}};
  const auto first = t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64_encode(c.client_first())));
  t.say("*");
  const auto second = t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64_encode(c.client_first())));
  EXPECT_EQ(testing::field(first, 's'), testing::field(second, 's'));
  EXPECT_EQ(testing::field(first, 'i'), "4096");
}

TEST(Sasl, ScramSha256RefusesTamperedNonceChannelBindingAndBadBase64) {
  Client t;
  t.open();
  testing::ScramClient c{"bob", "hunter2", "abc", {}, {}};
  auto server_first = t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64_encode(c.client_first())));
  std::string final_msg = c.client_final(server_first);
  final_msg.replace(final_msg.find("r=abc"), 5, "r=abd");
  EXPECT_EQ(t.say(base64_encode(final_msg)), "-ERR [AUTH] Authentication failed.\r\n");

  server_first = t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64_encode(c.client_first())));
  final_msg = c.client_final(server_first);
  final_msg.replace(0, 6, "c=eSws"); // "y,," instead of "n,,"
  EXPECT_EQ(t.say(base64_encode(final_msg)), "-ERR [AUTH] Authentication failed.\r\n");

  EXPECT_EQ(t.say("AUTH SCRAM-SHA-256 " + base64_encode("p=tls-unique,,n=bob,r=x")),
            "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.say("AUTH SCRAM-SHA-256 " + base64_encode("n,,n=bo=5Xb,r=x")),
            "-ERR [AUTH] Authentication failed.\r\n");
  t.say("AUTH SCRAM-SHA-256");
  EXPECT_EQ(t.say("%%%"), "-ERR Invalid base64 data in continued response.\r\n");
}

TEST(Sasl, ScramSha256RequiresEmptyResponseAfterServerFinal) {
  Client t;
  t.open();
  testing::ScramClient c{"bob", "hunter2", "abc", {}, {}};
  auto server_first = t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64_encode(c.client_first())));
  t.say(base64_encode(c.client_final(server_first)));
  EXPECT_EQ(t.say(base64_encode("junk")), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.session->state(), State::Authorization);
}

TEST(Sasl, CramMd5LogsInWithTheHmacOfTheChallenge) {
  Client t;
  t.open();
  const std::string challenge = t.challenge(t.say("AUTH CRAM-MD5"));
  ASSERT_EQ(challenge.front(), '<');
  EXPECT_NE(challenge.find("@test.example>"), std::string::npos);
  const std::string digest = crypto::hex(crypto::hmac_md5("secret", challenge));
  EXPECT_EQ(t.say(base64_encode("alice " + digest)), "+OK Logged in.\r\n");
}

TEST(Sasl, CramMd5RefusesWrongDigestVerifierOnlyUsersAndInitialResponses) {
  Client t;
  t.open();
  std::string challenge = t.challenge(t.say("AUTH CRAM-MD5"));
  EXPECT_EQ(t.say(base64_encode("alice " + crypto::hex(crypto::hmac_md5("nope", challenge)))),
            "-ERR [AUTH] Authentication failed.\r\n");
  challenge = t.challenge(t.say("AUTH CRAM-MD5"));
  EXPECT_EQ(t.say(base64_encode("bob " + crypto::hex(crypto::hmac_md5("hunter2", challenge)))),
            "-ERR [AUTH] Authentication failed.\r\n");
  challenge = t.challenge(t.say("AUTH CRAM-MD5"));
  EXPECT_EQ(t.say(base64_encode("alice")), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.say("AUTH CRAM-MD5 " + base64_encode("alice x")),
            "-ERR [AUTH] Authentication failed.\r\n");
  challenge = t.challenge(t.say("AUTH CRAM-MD5"));
  EXPECT_EQ(t.say("*"), "-ERR Authentication aborted by client.\r\n");
}

TEST(Sasl, PlainRefusesMalformedMessages) {
  Client t;
  t.open();
  EXPECT_EQ(t.say("AUTH PLAIN " + base64_encode("alice secret")),
            "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.say("AUTH PLAIN " + base64_encode(std::string("\0alice\0secret\0", 14))),
            "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.say("AUTH PLAIN ="), "-ERR [AUTH] Authentication failed.\r\n");
}

TEST(Sasl, SaslLinesMayBeLongerThanCommandLines) {
  Client t;
  t.open();
  t.say("AUTH PLAIN");
  EXPECT_GT(t.session->line_limit(), 1000u);
  EXPECT_EQ(t.say(base64_encode(std::string("\0alice\0", 7) + std::string(600, 'x'))),
            "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.session->line_limit(), 255u);
}

// A mechanism added by the test: the client sends "user:reversed-password".
class ReverseMechanism : public SaslMechanism {
public:
  explicit ReverseMechanism(SaslEnv& env) : env_(env) {}
  SaslStep step(std::optional<std::string_view> response) override {
    if (!response) {
      return SaslStep::challenge("who are you?");
    }
    const auto colon = response->find(':');
    if (colon == std::string_view::npos) {
      return SaslStep::failure();
    }
    std::string user(response->substr(0, colon));
    std::string password(response->substr(colon + 1));
    std::reverse(password.begin(), password.end());
    if (!verify_password(env_.authenticator.lookup(user), password)) {
      return SaslStep::failure();
    }
    return SaslStep::success(user);
  }

private:
  SaslEnv& env_;
};

TEST(Sasl, ACustomMechanismIsOneClassAndOneRegistration) {
  Client t;
  t.registry->add({"X-REVERSE", false, false,
                   [](SaslEnv& env) { return std::make_unique<ReverseMechanism>(env); }});
  t.open();
  EXPECT_NE(t.say("CAPA").find("SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 X-REVERSE\r\n"),
            std::string::npos);
  EXPECT_NE(t.say("AUTH").find("X-REVERSE\r\n.\r\n"), std::string::npos);
  EXPECT_EQ(t.challenge(t.say("auth x-reverse")), "who are you?");
  EXPECT_EQ(t.say(base64_encode("alice:terces")), "+OK Logged in.\r\n");
}

TEST(Scram, VerifierRoundTripsThroughDovecotsFormat) {
  const auto v = make_scram_verifier(
      "pencil", std::string("\x5b\x6d\x99\x68\x9d\x12\x35\x8e\xec\xa0\x4b\x14\x12\x36\xfa\x81", 16),
      4096);
  const std::string text = format_scram_verifier(v);
  EXPECT_EQ(text.rfind("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", 0), 0u) << text;
  const auto parsed = parse_scram_verifier(text);
  ASSERT_TRUE(parsed.verifier) << parsed.error;
  EXPECT_EQ(parsed.verifier->stored_key, v.stored_key);
  EXPECT_EQ(parsed.verifier->server_key, v.server_key);
  EXPECT_TRUE(scram_password_matches(*parsed.verifier, "pencil"));
  EXPECT_FALSE(scram_password_matches(*parsed.verifier, "pencil2"));
}

TEST(Scram, FreshVerifiersUseRandomSalts) {
  EXPECT_NE(make_scram_verifier("x").salt, make_scram_verifier("x").salt);
}

TEST(Scram, ParserExplainsMalformedVerifiers) {
  for (const char* bad :
       {"", "SCRAM-SHA-1$4096:abc=$a:b", "SCRAM-SHA-256$x:W22Z$a:b",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$short:short", "SCRAM-SHA-256$4096:!!$a:b",
        "SCRAM-SHA-256$0:W22Z$a:b", "SCRAM-SHA-256$4096:W22Z"}) {
    const auto r = parse_scram_verifier(bad);
    EXPECT_FALSE(r.verifier) << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
}

TEST(Crypto, Base64DecodingIsStrict) {
  EXPECT_EQ(base64_decode("YWJj"), "abc");
  EXPECT_EQ(base64_decode("YWI="), "ab");
  EXPECT_EQ(base64_decode("YQ=="), "a");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("YWJ"));
  EXPECT_FALSE(base64_decode("YW J"));
  EXPECT_FALSE(base64_decode("Y==="));
  EXPECT_FALSE(base64_decode("YR==")); // non-zero padding bits
  EXPECT_FALSE(base64_decode("YQ==YWJj"));
  for (int n = 0; n < 40; ++n) {
    const std::string s = crypto::random_bytes(static_cast<std::size_t>(n));
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  }
}

} // namespace
} // namespace feedpop::pop3
