// The POP3 side of authentication (RFC 5034 AUTH, RFC 1939 USER/PASS/APOP) through the
// Session: base64 framing, cancel, line limits, CAPA's SASL line from the registry. The
// mechanisms themselves are tested in tests/auth/sasl_test.cpp.
#include <algorithm>

#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "common/base64.hpp"
#include "pop3/session.hpp"
#include "tests/auth/scram_client.hpp"
#include "tests/pop3/memory_maildrop.hpp"

namespace feedpop::pop3 {
namespace {

struct Client {
  std::shared_ptr<testing::MemoryStore> store = testing::make_standard_store();
  std::shared_ptr<SaslRegistry> registry =
      std::make_shared<SaslRegistry>(SaslRegistry::with_defaults());
  std::unique_ptr<Session> session;
  std::string greeting;
  void open(SessionOptions o = loopback()) {
    o.hostname = "test.example";
    session = std::make_unique<Session>(o, std::make_shared<testing::MemoryAuthenticator>(store),
                                        registry);
    session->start();
    greeting = read();
  }
  static SessionOptions loopback() {
    SessionOptions o;
    o.loopback = true;
    return o;
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
    return base64::decode(reply.substr(2, reply.size() - 4)).value_or("!bad base64");
  }
};

TEST(AuthCommands, ScramSha256LogsInThroughBase64Continuations) {
  Client t;
  t.open();
  auth::testing::ScramClient c{"bob", "hunter2", "clientnonce123", {}, {}};
  const std::string server_first =
      t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64::encode(c.client_first())));
  ASSERT_EQ(server_first.rfind("r=clientnonce123", 0), 0u) << server_first;
  EXPECT_FALSE(t.session->take_auth_attempt());
  EXPECT_EQ(t.challenge(t.say(base64::encode(c.client_final(server_first)))), c.expected_v);
  // The server's proof reveals the verdict: the transport throttles it like a +OK.
  const auto attempt = t.session->take_auth_attempt();
  ASSERT_TRUE(attempt);
  EXPECT_EQ(attempt->user, "bob");
  EXPECT_TRUE(attempt->success);
  EXPECT_EQ(t.say(""), "+OK Logged in.\r\n");
  EXPECT_EQ(t.say("STAT"), "+OK 1 28\r\n");
}

TEST(AuthCommands, WithoutTlsOnlyScramIsOfferedAndAcceptedUnderNeverAndLocal) {
  for (const auto policy : {PlaintextAuth::never, PlaintextAuth::local}) {
    SessionOptions o;
    o.plaintext_auth = policy;
    o.loopback = false;
    Client t;
    t.open(o);
    EXPECT_EQ(t.greeting, "+OK feedpop ready.\r\n"); // no APOP timestamp
    EXPECT_NE(t.say("CAPA").find("\r\nSASL SCRAM-SHA-256\r\n"), std::string::npos);
    for (const std::string& refused : std::vector<std::string>{
             "APOP alice " + auth::crypto::hex(auth::crypto::md5("<1.2@x>secret")), "AUTH CRAM-MD5",
             "AUTH PLAIN", "AUTH LOGIN", "USER alice"}) {
      EXPECT_EQ(t.say(refused), "-ERR [AUTH] Plaintext authentication disallowed on non-secure "
                                "(SSL/TLS) connections.\r\n")
          << refused;
    }
    auth::testing::ScramClient c{"alice", "secret", "n0nce", {}, {}};
    const std::string first =
        t.challenge(t.say("AUTH SCRAM-SHA-256 " + base64::encode(c.client_first())));
    EXPECT_EQ(t.challenge(t.say(base64::encode(c.client_final(first)))), c.expected_v);
    EXPECT_EQ(t.say(""), "+OK Logged in.\r\n");
  }
  // Once TLS is up every mechanism is offered again.
  SessionOptions o;
  o.plaintext_auth = PlaintextAuth::never;
  o.tls_available = true;
  Client t;
  t.open(o);
  t.say("STLS");
  t.session->on_tls_started();
  EXPECT_NE(t.say("CAPA").find("\r\nSASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256\r\n"),
            std::string::npos);
  const std::string challenge = t.challenge(t.say("AUTH CRAM-MD5"));
  EXPECT_EQ(t.say(base64::encode("alice " +
                                 auth::crypto::hex(auth::crypto::hmac_md5("secret", challenge)))),
            "+OK Logged in.\r\n");
}

TEST(AuthCommands, BadBase64CancelAndFailuresAreRepliedTo) {
  Client t;
  t.open();
  t.say("AUTH SCRAM-SHA-256");
  EXPECT_EQ(t.say("%%%"), "-ERR Invalid base64 data in continued response.\r\n");
  EXPECT_EQ(t.say("AUTH PLAIN %%%"), "-ERR Invalid base64 data in initial response.\r\n");
  t.say("AUTH CRAM-MD5");
  EXPECT_EQ(t.say("*"), "-ERR Authentication aborted by client.\r\n");
  EXPECT_EQ(t.say("AUTH PLAIN ="), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_TRUE(t.session->take_auth_failure());
  EXPECT_EQ(t.say("AUTH PLAIN " + base64::encode(std::string("\0alice\0secret", 13))),
            "+OK Logged in.\r\n");
}

TEST(AuthCommands, EveryVerdictNamesTheUserTriedAndTheThirdFailureCloses) {
  Client t;
  t.open();
  t.say("USER Carol");
  EXPECT_EQ(t.say("PASS nope"), "-ERR [AUTH] Authentication failed.\r\n");
  auto attempt = t.session->take_auth_attempt();
  ASSERT_TRUE(attempt);
  EXPECT_EQ(attempt->user, "Carol");
  EXPECT_FALSE(attempt->success);
  EXPECT_FALSE(t.session->take_auth_attempt()); // once
  t.say("AUTH PLAIN " + base64::encode(std::string("\0dave\0x", 7)));
  EXPECT_EQ(t.session->take_auth_attempt()->user, "dave");
  EXPECT_FALSE(t.session->finished());
  t.session->on_line("AUTH LOGIN");
  t.read();
  t.session->on_line(base64::encode("erin"));
  t.read();
  EXPECT_EQ(t.session->on_line(base64::encode("x")), Action::Close);
  EXPECT_EQ(t.read(), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(t.session->take_auth_attempt()->user, "erin");
  EXPECT_TRUE(t.session->finished());
  EXPECT_EQ(t.session->stats().end_reason, "too many authentication failures");
}

TEST(AuthCommands, SaslLinesMayBeLongerThanCommandLines) {
  Client t;
  t.open();
  t.say("AUTH PLAIN");
  EXPECT_GT(t.session->line_limit(), 1000u);
  EXPECT_EQ(t.say(base64::encode(std::string("\0alice\0", 7) + std::string(600, 'x'))),
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
    std::string user(response->substr(0, colon));
    std::string password(colon == std::string_view::npos ? "" : response->substr(colon + 1));
    std::reverse(password.begin(), password.end());
    if (!auth::verify_plaintext(env_.credentials.lookup(user), password)) {
      return SaslStep::failure();
    }
    return SaslStep::success(user);
  }

private:
  SaslEnv& env_;
};

TEST(AuthCommands, CapaAndAuthListWhatTheRegistryHolds) {
  Client t;
  t.registry->add({"X-REVERSE", false, false,
                   [](SaslEnv& env) { return std::make_unique<ReverseMechanism>(env); }});
  t.open();
  EXPECT_NE(t.say("CAPA").find("SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 X-REVERSE\r\n"),
            std::string::npos);
  EXPECT_NE(t.say("AUTH").find("X-REVERSE\r\n.\r\n"), std::string::npos);
  EXPECT_EQ(t.challenge(t.say("auth x-reverse")), "who are you?");
  EXPECT_EQ(t.say(base64::encode("alice:terces")), "+OK Logged in.\r\n");
}

} // namespace
} // namespace feedpop::pop3
