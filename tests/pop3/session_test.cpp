// Session behaviour that transcripts cannot express: APOP digests over the random greeting,
// streaming in bounded chunks, storage failure before and during RETR.
#include <algorithm>
#include <array>

#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "common/base64.hpp"
#include "common/metrics.hpp"
#include "pop3/session.hpp"
#include "tests/pop3/memory_maildrop.hpp"

namespace feedpop::pop3 {
namespace {

namespace crypto = auth::crypto;

SessionOptions loopback_options() {
  SessionOptions o;
  o.loopback = true;
  return o;
}

struct Fixture {
  std::shared_ptr<testing::MemoryStore> store = testing::make_standard_store();
  Session session;
  explicit Fixture(SessionOptions o = loopback_options())
      : session(std::move(o), std::make_shared<testing::MemoryAuthenticator>(store),
                std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults())) {
    session.start();
    drain();
  }
  std::string drain(std::size_t max = 64 * 1024) {
    std::string out;
    while (session.has_output()) {
      out.append(session.next_output(max));
    }
    return out;
  }
  std::string say(std::string_view line) {
    session.on_line(line);
    return drain();
  }
};

TEST(Session, GreetingTimestampUsesOnlyCharactersMpopAccepts) {
  SessionOptions o = loopback_options();
  o.hostname = "mail=host.example.org";
  Fixture f(o);
  const std::string& ts = f.session.apop_timestamp();
  ASSERT_GE(ts.size(), 5u);
  EXPECT_EQ(ts.front(), '<');
  EXPECT_EQ(ts.back(), '>');
  for (const char c : ts.substr(1, ts.size() - 2)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) ||
                std::string_view(".@_-+/").find(c) != std::string_view::npos)
        << c;
  }
  EXPECT_NE(ts.find("@mailhost.example.org>"), std::string::npos);
}

TEST(Session, ApopLogsInWithTheDigestOfTimestampAndSecret) {
  Fixture f;
  const std::string digest = crypto::hex(crypto::md5(f.session.apop_timestamp() + "secret"));
  EXPECT_EQ(f.say("APOP alice " + digest), "+OK Logged in.\r\n");
  EXPECT_EQ(f.session.state(), State::Transaction);
}

TEST(Session, ApopRefusesWrongDigestAndScramOnlyUsersAlike) {
  Fixture f;
  const std::string wrong = crypto::hex(crypto::md5(f.session.apop_timestamp() + "nope"));
  EXPECT_EQ(f.say("APOP alice " + wrong), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_TRUE(f.session.take_auth_failure());
  const std::string bob = crypto::hex(crypto::md5(f.session.apop_timestamp() + "hunter2"));
  EXPECT_EQ(f.say("APOP bob " + bob), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(f.say("APOP ghost " + bob), "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(f.session.stats().auth_failures, 3u);
}

TEST(Session, NoApopTimestampWhenNoUserHasAPlaintextSecret) {
  auto store = std::make_shared<testing::MemoryStore>();
  store->add_user("x", Credentials{std::nullopt, std::nullopt}, {});
  Session s({}, std::make_shared<testing::MemoryAuthenticator>(store),
            std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults()));
  s.start();
  EXPECT_EQ(s.next_output(), "+OK feedpop ready.\r\n");
  s.on_line("AUTH CRAM-MD5");
  EXPECT_EQ(s.next_output(), "-ERR Unsupported authentication mechanism.\r\n");
}

TEST(Session, RetrStreamsInBoundedChunks) {
  Fixture f;
  const std::string big = testing::crlf("Subject: big\n\n") + std::string(300000, 'x') + "\r\n";
  f.store->deliver("alice", {"uid-big", std::make_shared<const std::string>(big)});
  f.say("USER alice");
  f.say("PASS secret");
  f.session.on_line("RETR 4");
  std::string out;
  std::size_t chunks = 0;
  while (f.session.has_output()) {
    const auto chunk = f.session.next_output(16 * 1024);
    EXPECT_LE(chunk.size(), 16u * 1024 + 64);
    out.append(chunk);
    ++chunks;
  }
  EXPECT_GT(chunks, 15u);
  EXPECT_TRUE(out == "+OK " + std::to_string(big.size()) + " octets\r\n" + big + ".\r\n");
}

TEST(Session, ReadFailureMidRetrEndsTheSessionWithoutTerminator) {
  Fixture f;
  const std::string big = testing::crlf("Subject: big\n\n") + std::string(100000, 'x') + "\r\n";
  f.store->deliver("alice", {"uid-big", std::make_shared<const std::string>(big)});
  f.say("USER alice");
  f.say("PASS secret");
  f.store->fail_read_from = 40000; // the first bytes read, the rest cannot be
  f.session.on_line("RETR 4");
  const std::string out = f.drain();
  EXPECT_EQ(out.rfind("+OK " + std::to_string(big.size()) + " octets\r\nSubject: big", 0), 0u);
  EXPECT_LT(out.size(), big.size());
  EXPECT_EQ(out.find("\r\n.\r\n"), std::string::npos);
  EXPECT_TRUE(f.session.finished());
}

TEST(Session, UnreadableMessageGetsErrBeforeAnyOkAndTheSessionGoesOn) {
  Fixture f;
  f.say("USER alice");
  f.say("PASS secret");
  f.store->fail_read = true;
  const std::string sys_temp = "-ERR [SYS/TEMP] Temporary storage failure, try again later.\r\n";
  EXPECT_EQ(f.say("RETR 1"), sys_temp);
  EXPECT_EQ(f.say("TOP 2 0"), sys_temp);
  EXPECT_FALSE(f.session.finished());
  f.store->fail_read = false;
  EXPECT_EQ(f.say("RETR 3"), "+OK 41 octets\r\n" +
                                 testing::crlf("Subject: three\nX-Extra: yes\n\na\nb\nc\n") +
                                 ".\r\n");
  EXPECT_EQ(f.say("STAT"), "+OK 3 133\r\n");
  EXPECT_EQ(f.session.stats().retrieved, 1u);
}

// A client pipelining listing after listing and never reading: the session runs no further
// command while a listing streams, so what it holds stays bounded.
TEST(Session, PipelinedListingsToAClientThatNeverReadsHoldBoundedOutput) {
  auto store = std::make_shared<testing::MemoryStore>();
  std::vector<testing::StoredMessage> messages;
  for (int i = 0; i < 3000; ++i) {
    messages.push_back({"feedpop-uid-" + std::to_string(i) + std::string(40, 'u'),
                        std::make_shared<const std::string>("A: b\r\n\r\nc\r\n")});
  }
  store->add_user("dave", Credentials{std::string("pw"), std::nullopt}, std::move(messages));
  Session s(loopback_options(), std::make_shared<testing::MemoryAuthenticator>(store),
            std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults()));
  s.start();
  std::string pipelined = "USER dave\r\nPASS pw\r\n";
  for (int i = 0; i < 700; ++i) {
    pipelined += i % 2 == 0 ? "UIDL\r\n" : "LIST\r\n";
  }
  EXPECT_EQ(s.feed(pipelined), Action::Continue);
  EXPECT_FALSE(s.wants_input()); // the listing waits to be written
  EXPECT_EQ(s.feed({}), Action::Continue);
  EXPECT_LE(s.stats().peak_output, reply_queue_limit);
  // Now the client reads: every listing arrives complete, one chunk at a time.
  std::size_t listings = 0, chunks = 0;
  while (!s.wants_input()) {
    while (s.has_output()) {
      const auto chunk = s.next_output();
      listings += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '.'));
      ++chunks;
    }
    s.feed({});
  }
  EXPECT_GE(listings, 700u);
  EXPECT_GT(chunks, 700u);
  EXPECT_LE(s.stats().peak_output, 256u * 1024);
  EXPECT_EQ(s.stats().commands, 702u);
}

TEST(Session, QuitCommitsAllMarksInOneCallAndDropCommitsNothing) {
  {
    Fixture f;
    f.say("USER alice");
    f.say("PASS secret");
    f.say("DELE 1");
    f.say("DELE 3");
    // destroyed without QUIT: a dropped connection
    EXPECT_EQ(f.store->commits, 0u);
    EXPECT_EQ(f.store->visible("alice"), 3u);
  }
  Fixture f;
  f.say("USER alice");
  f.say("PASS secret");
  f.say("DELE 1");
  f.say("DELE 3");
  EXPECT_EQ(f.say("QUIT"), "+OK Logging out, messages deleted.\r\n");
  EXPECT_EQ(f.store->commits, 1u);
  EXPECT_EQ(f.store->visible("alice"), 1u);
  EXPECT_EQ(f.session.state(), State::Update);
}

TEST(Session, LockIsReleasedWhenTheSessionEnds) {
  SessionOptions o = loopback_options();
  o.locks = std::make_shared<SessionLocks>();
  {
    Fixture f(o);
    f.say("USER alice");
    EXPECT_EQ(f.say("PASS secret"), "+OK Logged in.\r\n");
    EXPECT_TRUE(o.locks->locked("alice"));
    Fixture g(o);
    g.say("USER alice");
    EXPECT_EQ(g.say("PASS secret"), "-ERR [IN-USE] Mailbox is locked by another POP3 session.\r\n");
    EXPECT_FALSE(g.session.take_auth_failure()); // not a credential failure
  }
  EXPECT_FALSE(o.locks->locked("alice"));
}

TEST(Session, SnapshotIgnoresMailArrivingDuringTheSession) {
  Fixture f;
  f.say("USER alice");
  f.say("PASS secret");
  f.store->deliver("alice", {"uid-new", std::make_shared<const std::string>("A: b\r\n\r\nc\r\n")});
  EXPECT_EQ(f.say("STAT"), "+OK 3 133\r\n");
}

// /metrics: each failure is counted under the protocol and the mechanism that failed.
TEST(Session, FailuresAreCountedByMechanismForMetrics) {
  const auto& m = metrics::handles();
  auto& user = m.auth_failure("pop3", "USER");
  auto& apop = m.auth_failure("pop3", "APOP");
  auto& plain = m.auth_failure("pop3", "PLAIN");
  const auto before = std::array{user.value(), apop.value(), plain.value()};
  Fixture f;
  f.say("USER alice");
  f.say("PASS wrong");
  f.say("APOP alice " + std::string(32, '0'));
  EXPECT_EQ(f.say("AUTH PLAIN " + base64::encode(std::string("\0alice\0nope", 12))),
            "-ERR [AUTH] Authentication failed.\r\n");
  EXPECT_EQ(user.value(), before[0] + 1);
  EXPECT_EQ(apop.value(), before[1] + 1);
  EXPECT_EQ(plain.value(), before[2] + 1);
  Fixture ok;
  ok.say("USER alice");
  EXPECT_EQ(ok.say("PASS secret"), "+OK Logged in.\r\n");
  EXPECT_EQ(user.value(), before[0] + 1) << "a success counted as a failure";
}

} // namespace
} // namespace feedpop::pop3
