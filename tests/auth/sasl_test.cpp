// Every built-in SASL mechanism driven step by step as a protocol would (decoded data in,
// raw challenges out): success, wrong secrets, unknown users, malformed input; the
// registry; SCRAM verifiers; the credential checks. The POP3 wire side of AUTH (base64,
// cancel, line limits) is tested in tests/pop3/auth_commands_test.cpp.
#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "auth/credentials.hpp"
#include "auth/crypto.hpp"
#include "auth/sasl.hpp"
#include "auth/scram.hpp"
#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "tests/auth/memory_credentials.hpp"
#include "tests/auth/scram_client.hpp"

namespace feedpop::auth {
namespace {

// One mechanism run against the standard credentials.
struct Exchange {
  explicit Exchange(std::string_view mechanism, const SaslRegistry& registry = defaults()) {
    const SaslMechanismInfo* info = registry.find(mechanism);
    EXPECT_NE(info, nullptr) << mechanism;
    if (info != nullptr) {
      m = info->create(env);
    }
  }
  static const SaslRegistry& defaults() {
    static const SaslRegistry r = SaslRegistry::with_defaults();
    return r;
  }
  // The challenge's data, or "!success <user>" / "!failure".
  std::string step(std::optional<std::string_view> response) {
    const SaslStep s = m->step(response);
    switch (s.kind) {
    case SaslStep::Kind::Challenge:
      return s.data;
    case SaslStep::Kind::Success:
      return "!success " + s.data;
    case SaslStep::Kind::Failure:
      break;
    }
    return "!failure";
  }

  std::shared_ptr<testing::MemoryCredentials> store = testing::standard_credentials();
  SaslEnv env{*store, "test.example"};
  std::unique_ptr<SaslMechanism> m;
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

void scram_login(const std::string& user, const std::string& password, bool expect_ok) {
  Exchange t("SCRAM-SHA-256");
  testing::ScramClient c{user, password, "clientnonce123", {}, {}};
  const std::string server_first = t.step(c.client_first());
  ASSERT_EQ(server_first.rfind("r=clientnonce123", 0), 0u) << server_first;
  const std::string reply = t.step(c.client_final(server_first));
  if (!expect_ok) {
    EXPECT_EQ(reply, "!failure");
    return;
  }
  EXPECT_EQ(reply, c.expected_v); // the server proves it knows the verifier
  EXPECT_EQ(t.step(""), "!success " + user);
}

TEST(Sasl, ScramSha256LogsInWithAStoredVerifier) {
  scram_login("bob", "hunter2", true);
}

TEST(Sasl, ScramSha256WorksForPlaintextUsersToo) {
  scram_login("alice", "secret", true);
}

TEST(Sasl, ScramSha256RefusesWrongPasswordAndUnknownUserAlike) {
  scram_login("bob", "hunter3", false);
  scram_login("nobody", "hunter2", false);
}

TEST(Sasl, ScramSha256UnknownUserGetsStableSaltLikeAKnownOne) {
  testing::ScramClient c{"nobody", "x", "n1", {}, {}};
  const auto first = Exchange("SCRAM-SHA-256").step(c.client_first());
  const auto second = Exchange("SCRAM-SHA-256").step(c.client_first());
  EXPECT_EQ(testing::field(first, 's'), testing::field(second, 's'));
  EXPECT_EQ(testing::field(first, 'i'), "4096");
}

TEST(Sasl, ScramSha256UnknownUsersLookLikeKnownOnesInShape) {
  // Known: alice (plaintext), dave (a verifier as `feedpop passwd` makes it); unknown: two
  // names. Same iteration count, same salt length, same nonce length; an unknown name's
  // salt is stable across attempts and differs between names.
  std::vector<std::string> firsts;
  for (const std::string user : {"alice", "dave", "nobody", "nobody", "somebody"}) {
    Exchange t("SCRAM-SHA-256");
    t.store->add("dave", Credentials{std::nullopt, make_scram_verifier("pw")});
    firsts.push_back(t.step("n,,n=" + user + ",r=abc"));
  }
  for (const auto& f : firsts) {
    EXPECT_EQ(testing::field(f, 'i'), "4096") << f;
    EXPECT_EQ(base64::decode(testing::field(f, 's'))->size(), 16u) << f;
    EXPECT_EQ(testing::field(f, 'r').size(), firsts[0].find(",s=") - 2) << f;
  }
  EXPECT_EQ(testing::field(firsts[2], 's'), testing::field(firsts[3], 's'));
  EXPECT_NE(testing::field(firsts[2], 's'), testing::field(firsts[4], 's'));
}

TEST(Scram, IterationCountsAboveTheCapAreRefused) {
  const auto at_cap = format_scram_verifier(make_scram_verifier("pw", "saltsalt", 100000));
  EXPECT_EQ(validate_scram_verifier(at_cap), std::nullopt);
  std::string above = at_cap;
  above.replace(above.find("100000"), 6, "100001");
  const auto error = validate_scram_verifier(above);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("above 100000"), std::string::npos) << *error;
  EXPECT_FALSE(parse_scram_verifier(above).verifier);
  EXPECT_TRUE(validate_scram_verifier("SCRAM-SHA-256$4096:W22Z"));
}

TEST(Sasl, ScramSha256RefusesTamperedNonceChannelBindingAndMalformedMessages) {
  testing::ScramClient c{"bob", "hunter2", "abc", {}, {}};
  {
    Exchange t("SCRAM-SHA-256");
    std::string final_msg = c.client_final(t.step(c.client_first()));
    final_msg.replace(final_msg.find("r=abc"), 5, "r=abd");
    EXPECT_EQ(t.step(final_msg), "!failure");
  }
  {
    Exchange t("SCRAM-SHA-256");
    std::string final_msg = c.client_final(t.step(c.client_first()));
    final_msg.replace(0, 6, "c=eSws"); // "y,," instead of "n,,"
    EXPECT_EQ(t.step(final_msg), "!failure");
  }
  EXPECT_EQ(Exchange("SCRAM-SHA-256").step("p=tls-unique,,n=bob,r=x"), "!failure");
  EXPECT_EQ(Exchange("SCRAM-SHA-256").step("n,,n=bo=5Xb,r=x"), "!failure");
  EXPECT_EQ(Exchange("SCRAM-SHA-256").step("n,a=carol,n=bob,r=x"), "!failure");
  Exchange t("SCRAM-SHA-256");
  EXPECT_EQ(t.step(std::nullopt), ""); // client-first: an empty challenge asks for it
  EXPECT_EQ(t.step("n,,n=bob"), "!failure");
}

TEST(Sasl, ScramSha256RequiresEmptyResponseAfterServerFinal) {
  Exchange t("SCRAM-SHA-256");
  testing::ScramClient c{"bob", "hunter2", "abc", {}, {}};
  const std::string v = t.step(c.client_final(t.step(c.client_first())));
  EXPECT_EQ(v, c.expected_v);
  EXPECT_EQ(t.step("junk"), "!failure");
}

TEST(Sasl, CramMd5LogsInWithTheHmacOfTheChallenge) {
  Exchange t("CRAM-MD5");
  const std::string challenge = t.step(std::nullopt);
  ASSERT_EQ(challenge.front(), '<');
  EXPECT_NE(challenge.find("@test.example>"), std::string::npos);
  const std::string digest = ascii::upper(crypto::hex(crypto::hmac_md5("secret", challenge)));
  EXPECT_EQ(t.step("alice " + digest), "!success alice"); // hex in any case
}

TEST(Sasl, CramMd5RefusesWrongDigestVerifierOnlyUsersAndInitialResponses) {
  auto answer = [](const std::string& user, const std::string& secret) {
    Exchange t("CRAM-MD5");
    const std::string challenge = t.step(std::nullopt);
    return t.step(user + " " + crypto::hex(crypto::hmac_md5(secret, challenge)));
  };
  EXPECT_EQ(answer("alice", "nope"), "!failure");
  EXPECT_EQ(answer("bob", "hunter2"), "!failure"); // no plaintext secret to compute with
  EXPECT_EQ(answer("nobody", "secret"), "!failure");
  Exchange t("CRAM-MD5");
  t.step(std::nullopt);
  EXPECT_EQ(t.step("alice"), "!failure");
  EXPECT_EQ(Exchange("CRAM-MD5").step("alice x"), "!failure");
}

TEST(Sasl, PlainRefusesMalformedMessagesAndProxyAuthorization) {
  EXPECT_EQ(Exchange("PLAIN").step(std::string("\0alice\0secret", 13)), "!success alice");
  EXPECT_EQ(Exchange("PLAIN").step(std::string("alice\0alice\0secret", 18)), "!success alice");
  EXPECT_EQ(Exchange("PLAIN").step("alice secret"), "!failure");
  EXPECT_EQ(Exchange("PLAIN").step(std::string("\0alice\0secret\0", 14)), "!failure");
  EXPECT_EQ(Exchange("PLAIN").step(std::string("bob\0alice\0secret", 16)), "!failure");
  EXPECT_EQ(Exchange("PLAIN").step(""), "!failure");
  Exchange t("PLAIN");
  EXPECT_EQ(t.step(std::nullopt), ""); // RFC 4616 §2: the client sends first
  EXPECT_EQ(t.step(std::string("\0bob\0hunter2", 12)), "!success bob");
}

TEST(Sasl, LoginPromptsForNameThenPassword) {
  Exchange t("LOGIN");
  EXPECT_EQ(t.step(std::nullopt), "Username:");
  EXPECT_EQ(t.step("carol"), "Password:");
  EXPECT_EQ(t.step("pw"), "!success carol");
  Exchange wrong("LOGIN");
  EXPECT_EQ(wrong.step("carol"), "Password:");
  EXPECT_EQ(wrong.step("px"), "!failure");
  EXPECT_EQ(Exchange("LOGIN").step(""), "!failure");
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
    if (!verify_plaintext(env_.credentials.lookup(user), password)) {
      return SaslStep::failure();
    }
    return SaslStep::success(user);
  }

private:
  SaslEnv& env_;
};

TEST(Sasl, ACustomMechanismIsOneClassAndOneRegistration) {
  SaslRegistry registry = SaslRegistry::with_defaults();
  registry.add({"X-REVERSE", false, false,
                [](SaslEnv& env) { return std::make_unique<ReverseMechanism>(env); }});
  std::string names;
  for (const auto& m : registry.mechanisms()) {
    names += m.name + " ";
  }
  EXPECT_EQ(names, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 X-REVERSE ");
  ASSERT_EQ(registry.find("x-reverse"), registry.find("X-REVERSE")); // RFC 4422 §3.1
  Exchange t("x-Reverse", registry);
  EXPECT_EQ(t.step(std::nullopt), "who are you?");
  EXPECT_EQ(t.step("alice:terces"), "!success alice");
  // Adding a name again replaces the mechanism in place.
  registry.add({"plain", false, false,
                [](SaslEnv& env) { return std::make_unique<ReverseMechanism>(env); }});
  EXPECT_EQ(registry.mechanisms().size(), 5u);
  EXPECT_EQ(Exchange("PLAIN", registry).step("alice:terces"), "!success alice");
}

TEST(Credentials, ChecksEveryKindOfAnswerAndRefusesUnknownUsers) {
  const auto store = testing::standard_credentials();
  EXPECT_TRUE(verify_plaintext(store->lookup("alice"), "secret"));
  EXPECT_FALSE(verify_plaintext(store->lookup("alice"), "secret "));
  EXPECT_TRUE(verify_plaintext(store->lookup("bob"), "hunter2")); // through the verifier
  EXPECT_FALSE(verify_plaintext(store->lookup("bob"), "hunter3"));
  EXPECT_FALSE(verify_plaintext(store->lookup("nobody"), "secret"));
  EXPECT_FALSE(verify_plaintext(Credentials{}, ""));
  const std::string ts = "<1.2.3@x>";
  const std::string apop = crypto::hex(crypto::md5(ts + "secret"));
  EXPECT_TRUE(verify_apop(store->lookup("alice"), ts, apop));
  EXPECT_FALSE(verify_apop(store->lookup("alice"), "<1.2.4@x>", apop));
  EXPECT_FALSE(verify_apop(store->lookup("bob"), ts, crypto::hex(crypto::md5(ts + "hunter2"))));
  EXPECT_FALSE(verify_apop(store->lookup("nobody"), ts, apop));
  const std::string cram = crypto::hex(crypto::hmac_md5("pw", ts));
  EXPECT_TRUE(verify_cram_md5(store->lookup("carol"), ts, cram));
  EXPECT_FALSE(verify_cram_md5(store->lookup("carol"), ts, cram.substr(1)));
  const std::string token = make_challenge_token("mail.example.org \"x\"");
  EXPECT_NE(token, make_challenge_token("mail.example.org"));
  EXPECT_EQ(token.substr(token.find('@')), "@mail.example.orgx>");
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

} // namespace
} // namespace feedpop::auth
