// smtp::Session behaviour beyond the transcripts: SCRAM-SHA-256 with a real client side,
// pausing for the auth throttle and for queued output, STARTTLS dropping input within one
// read, bare LF content, timeouts, and what the handler receives.
#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "common/metrics.hpp"
#include "smtp/session.hpp"
#include "tests/auth/scram_client.hpp"
#include "tests/smtp/test_credentials.hpp"

namespace feedpop::smtp {
namespace {

class SessionTest : public ::testing::Test {
protected:
  void SetUp() { make({}); }
  void make(SessionOptions o) {
    o.hostname = "test.example";
    o.loopback = true;
    session_ = std::make_unique<Session>(
        o, std::make_shared<testing::TestCredentials>(),
        std::make_shared<const auth::SaslRegistry>(auth::SaslRegistry::with_defaults()),
        [this](Submission&& s) {
          submissions_.push_back(std::move(s));
          return std::string("250 2.0.0 Done");
        });
    session_->start();
    EXPECT_EQ(drain(), "220 test.example ESMTP feedpop\r\n");
  }
  std::string drain() {
    std::string out;
    while (session_->has_output()) {
      out.append(session_->next_output());
    }
    return out;
  }
  std::string send(std::string_view bytes) {
    EXPECT_EQ(session_->feed(bytes), Action::Continue);
    return drain();
  }
  void login() {
    send("EHLO c\r\n");
    EXPECT_EQ(send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"),
              "235 2.7.0 Authentication successful\r\n");
  }
  std::unique_ptr<Session> session_;
  std::vector<Submission> submissions_;
};

TEST_F(SessionTest, ScramSha256WithARealClientSide) {
  send("EHLO c\r\n");
  auth::testing::ScramClient client{"bob", "hunter2", "rOprNGfwEbeRWgbNEkqO", {}, {}};
  std::string reply = send("AUTH SCRAM-SHA-256 " + base64::encode(client.client_first()) + "\r\n");
  ASSERT_EQ(reply.substr(0, 4), "334 ");
  const std::string server_first = *base64::decode(reply.substr(4, reply.size() - 6));
  reply = send(base64::encode(client.client_final(server_first)) + "\r\n");
  ASSERT_EQ(reply.substr(0, 4), "334 ");
  EXPECT_EQ(*base64::decode(reply.substr(4, reply.size() - 6)), client.expected_v);
  EXPECT_EQ(send("\r\n"), "235 2.7.0 Authentication successful\r\n");
  EXPECT_TRUE(session_->authenticated());
  EXPECT_EQ(session_->stats().user, "bob");
}

TEST_F(SessionTest, ScramWithAWrongPasswordFails) {
  send("EHLO c\r\n");
  auth::testing::ScramClient client{"bob", "wrong", "abcdefgh", {}, {}};
  std::string reply = send("AUTH SCRAM-SHA-256 " + base64::encode(client.client_first()) + "\r\n");
  const std::string server_first = *base64::decode(reply.substr(4, reply.size() - 6));
  EXPECT_EQ(send(base64::encode(client.client_final(server_first)) + "\r\n"),
            "535 5.7.8 Authentication credentials invalid\r\n");
  const auto attempt = session_->take_auth_attempt();
  ASSERT_TRUE(attempt);
  EXPECT_FALSE(attempt->success);
  EXPECT_FALSE(session_->authenticated());
}

TEST_F(SessionTest, AFailedAuthenticationPausesPipelinedInput) {
  send("EHLO c\r\n");
  EXPECT_EQ(send("AUTH PLAIN AGFsaWNlAHdyb25n\r\nAUTH PLAIN AGFsaWNlAHdyb25n\r\nNOOP\r\n"),
            "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_TRUE(session_->paused());
  EXPECT_TRUE(session_->take_auth_attempt());
  EXPECT_FALSE(session_->take_auth_attempt());
  EXPECT_EQ(send(""), "535 5.7.8 Authentication credentials invalid\r\n");
  EXPECT_TRUE(session_->take_auth_attempt());
  EXPECT_EQ(send(""), "250 2.0.0 OK\r\n");
  EXPECT_FALSE(session_->paused());
  EXPECT_EQ(session_->stats().auth_failures, 2u);
}

TEST_F(SessionTest, ASuccessIsAnAttemptTooAndPausesLikeAFailure) {
  send("EHLO c\r\n");
  EXPECT_EQ(send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nNOOP\r\n"),
            "235 2.7.0 Authentication successful\r\n");
  EXPECT_TRUE(session_->paused());
  const auto attempt = session_->take_auth_attempt();
  ASSERT_TRUE(attempt);
  EXPECT_TRUE(attempt->success);
  EXPECT_EQ(attempt->user, "alice");
  EXPECT_EQ(send(""), "250 2.0.0 OK\r\n");
}

TEST_F(SessionTest, ARefusedAttemptGetsNoVerdictOnly421) {
  EXPECT_EQ(session_->feed("EHLO c\r\nNOOP\r\nAUTH PLAIN AGFsaWNlAHdyb25n\r\nNOOP\r\n"),
            Action::Continue);
  ASSERT_TRUE(session_->take_auth_attempt());
  session_->refuse_auth_attempt();
  const std::string out = drain();
  EXPECT_EQ(out.find("535"), std::string::npos);
  EXPECT_NE(out.find("250 2.0.0 OK\r\n421 4.7.0 test.example Too many authentication attempts"),
            std::string::npos);
  EXPECT_TRUE(session_->finished());
  EXPECT_EQ(session_->feed({}), Action::Close);
}

TEST_F(SessionTest, QueuedRepliesAreBoundedWhenTheClientNeverReads) {
  std::string noops;
  for (int i = 0; i < 5000; ++i) {
    noops += "NOOP\r\n";
  }
  session_->feed(noops);
  std::size_t replies = 0;
  for (;;) {
    const std::string out(session_->next_output());
    EXPECT_LE(out.size(), 20u * 1024);
    replies += out.size() / std::string("250 2.0.0 OK\r\n").size();
    if (!session_->paused()) {
      break;
    }
    session_->feed({});
  }
  EXPECT_EQ(replies, 5000u);
}

TEST_F(SessionTest, StarttlsDropsTheRestOfTheSameRead) {
  make([] {
    SessionOptions o;
    o.tls_available = true;
    return o;
  }());
  send("EHLO c\r\n");
  EXPECT_EQ(session_->feed("STARTTLS\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nNOOP\r\n"),
            Action::StartTls);
  EXPECT_EQ(drain(), "220 2.0.0 Ready to start TLS\r\n");
  session_->on_tls_started();
  EXPECT_FALSE(session_->authenticated());
  EXPECT_EQ(send("NOOP\r\n"), "250 2.0.0 OK\r\n");
}

TEST_F(SessionTest, BareLfContentIsRefusedAndNothingIsHandedOver) {
  login();
  send("MAIL FROM:<a@b.example>\r\nRCPT TO:<feedpop@test.example>\r\nDATA\r\n");
  EXPECT_EQ(send("Subject: x\r\nline\nmore\r\n.\r\n").substr(0, 9), "554 5.6.0");
  send("MAIL FROM:<a@b.example>\r\nRCPT TO:<feedpop@test.example>\r\nDATA\r\n");
  EXPECT_EQ(send("all bare\n.\n").substr(0, 9), "554 5.6.0"); // a bare-LF dot ends it too
  EXPECT_TRUE(submissions_.empty());
  EXPECT_EQ(send("NOOP\r\n"), "250 2.0.0 OK\r\n");
}

TEST_F(SessionTest, TheHandlerGetsTheEnvelopeAndUnstuffedContent) {
  login();
  send("MAIL FROM:<alice@example.org> SMTPUTF8\r\nRCPT TO:<feedpop@test.example>\r\n"
       "RCPT TO:<subscribe@test.example>\r\nDATA\r\n");
  EXPECT_EQ(send("a\r\n..b\r\n.\r\n"), "250 2.0.0 Done\r\n");
  ASSERT_EQ(submissions_.size(), 1u);
  const auto& s = submissions_[0];
  EXPECT_EQ(s.user, "alice");
  EXPECT_EQ(s.mail_from, "alice@example.org");
  EXPECT_EQ(s.recipients,
            (std::vector<std::string>{"feedpop@test.example", "subscribe@test.example"}));
  EXPECT_EQ(s.content, "a\r\n.b\r\n");
  EXPECT_TRUE(s.smtputf8);
  EXPECT_EQ(session_->stats().messages, 1u);
}

TEST_F(SessionTest, TimeoutSays421AndEnds) {
  session_->on_timeout();
  EXPECT_EQ(drain(), "421 4.4.2 test.example Timeout, closing connection\r\n");
  EXPECT_TRUE(session_->finished());
  EXPECT_EQ(session_->feed("NOOP\r\n"), Action::Close);
  EXPECT_EQ(session_->stats().end_reason, "timeout");
}

TEST_F(SessionTest, QuitEndsAndLaterInputIsIgnored) {
  EXPECT_EQ(session_->feed("QUIT\r\nNOOP\r\n"), Action::Close);
  EXPECT_EQ(drain(), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(session_->finished());
}

// /metrics: failures by protocol and mechanism, messages accepted and rejected after DATA.
TEST_F(SessionTest, FailuresAndMessagesAreCountedForMetrics) {
  const auto& m = metrics::handles();
  auto& plain = m.auth_failure("smtp", "PLAIN");
  auto& login_failures = m.auth_failure("smtp", "LOGIN");
  const auto plain_before = plain.value();
  const auto login_before = login_failures.value();
  const auto accepted = m.smtp_messages_accepted.value();
  const auto rejected = m.smtp_messages_rejected.value();
  send("EHLO c\r\n");
  send("AUTH PLAIN AGFsaWNlAHdyb25n\r\n");
  EXPECT_EQ(plain.value(), plain_before + 1);
  EXPECT_EQ(login_failures.value(), login_before);
  EXPECT_EQ(send("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n"), "235 2.7.0 Authentication successful\r\n");
  EXPECT_EQ(plain.value(), plain_before + 1) << "a success counted as a failure";
  send("MAIL FROM:<a@b.example>\r\nRCPT TO:<feedpop@test.example>\r\nDATA\r\n");
  EXPECT_EQ(send("ok\r\n.\r\n"), "250 2.0.0 Done\r\n");
  send("MAIL FROM:<a@b.example>\r\nRCPT TO:<feedpop@test.example>\r\nDATA\r\n");
  EXPECT_EQ(send("bare\n.\r\n").substr(0, 9), "554 5.6.0");
  EXPECT_EQ(m.smtp_messages_accepted.value(), accepted + 1);
  EXPECT_EQ(m.smtp_messages_rejected.value(), rejected + 1);
}

} // namespace
} // namespace feedpop::smtp
