#include "web/handler.hpp"

#include <regex>

#include <gtest/gtest.h>

#include "memory_status.hpp"
#include "web/text.hpp"

namespace feedpop::web {
namespace {

using testing::MemoryStatus;

class HandlerTest : public ::testing::Test {
protected:
  HandlerTest() {
    Options o;
    o.mail.domain = "example.test";
    o.mail.pop3_host = "pop.example.test";
    o.mail.pop3s_port = 995;
    o.metrics_token = "s3cret-token";
    o.auth_failure_delay = std::chrono::milliseconds(100);
    handler = std::make_unique<Handler>(o, status, std::make_shared<testing::MemoryCredentials>(),
                                        std::make_shared<auth::FailureThrottle>());
  }

  Reply get(std::string target, const std::string& cookie_header = "", Peer peer = local) {
    Request r(http::verb::get, target, 11);
    if (!cookie_header.empty()) {
      r.set(http::field::cookie, cookie_header);
    }
    return handler->handle(r, peer);
  }
  Reply post(std::string target, std::string body, const std::string& cookie_header = "",
             Peer peer = local) {
    Request r(http::verb::post, target, 11);
    r.set(http::field::content_type, "application/x-www-form-urlencoded");
    if (!cookie_header.empty()) {
      r.set(http::field::cookie, cookie_header);
    }
    r.body() = std::move(body);
    r.prepare_payload();
    return handler->handle(r, peer);
  }
  static std::string set_cookie(const Reply& r) {
    const auto v = std::string(r.response[http::field::set_cookie]);
    return v.substr(0, v.find(';'));
  }
  static std::string csrf_of(const std::string& html) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(html, m, std::regex("name=\"csrf\" value=\"([0-9a-f]+)\"")));
    return m.size() > 1 ? m[1].str() : "";
  }
  // Signs in and returns the session cookie ("feedpop_session=...") and the CSRF token.
  std::pair<std::string, std::string> sign_in(const std::string& user, const std::string& pw) {
    const auto start = get("/");
    const auto pre = set_cookie(start);
    const auto r =
        post("/login",
             "user=" + user + "&password=" + pw + "&csrf=" + csrf_of(start.response.body()), pre);
    EXPECT_EQ(r.response.result(), http::status::see_other) << r.response.body();
    const auto cookie_header = set_cookie(r);
    return {cookie_header, csrf_of(get("/", cookie_header).response.body())};
  }

  static inline const Peer local{"127.0.0.1", true, false};
  static inline const Peer remote{"192.0.2.7", false, true};
  std::shared_ptr<MemoryStatus> status = std::make_shared<MemoryStatus>();
  std::unique_ptr<Handler> handler;
};

TEST_F(HandlerTest, StartPageWithoutSessionIsTheSignInFormWithAStrictCookie) {
  const auto r = get("/");
  EXPECT_EQ(r.response.result(), http::status::ok);
  EXPECT_NE(r.response.body().find("<form method=\"post\" action=\"/login\">"), std::string::npos);
  const auto c = std::string(r.response[http::field::set_cookie]);
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(c.find("Secure"), std::string::npos); // plain HTTP here
  EXPECT_NE(std::string(r.response["Content-Security-Policy"]).find("default-src 'none'"),
            std::string::npos);
  EXPECT_NE(get("/", "", remote).response[http::field::set_cookie].find("; Secure"),
            std::string::npos);
}

TEST_F(HandlerTest, SignedInUserSeesOwnFeedsWithStatesButNotOthers) {
  const auto [c, csrf] = sign_in("alice", "alice-pass");
  const auto page = get("/", c).response.body();
  EXPECT_NE(page.find("Alice&#39;s blog"), std::string::npos);
  EXPECT_NE(page.find("LWN.net headlines"), std::string::npos);
  EXPECT_EQ(page.find("broken"), std::string::npos);
  EXPECT_NE(page.find("state-ok"), std::string::npos);
  EXPECT_NE(page.find("value=\"pause\""), std::string::npos);
  EXPECT_NE(page.find("pop.example.test"), std::string::npos);
  EXPECT_EQ(page.find("id=\"users\""), std::string::npos); // not an admin
}

TEST_F(HandlerTest, AdminSeesEveryFeedEscapedAndEveryUser) {
  const auto [c, csrf] = sign_in("admin", "admin-pass");
  const auto page = get("/", c).response.body();
  EXPECT_NE(page.find("A &lt;broken&gt; feed &amp; more"), std::string::npos);
  EXPECT_EQ(page.find("A <broken>"), std::string::npos);
  EXPECT_NE(page.find("The server answered 404 Not Found"), std::string::npos);
  EXPECT_NE(page.find("id=\"users\""), std::string::npos);
}

TEST_F(HandlerTest, PauseAndResumeNeedTheSessionsCsrfToken) {
  const auto [c, csrf] = sign_in("alice", "alice-pass");
  auto r = post("/feeds/action", "feed=alice-blog&action=pause&csrf=" + csrf, c);
  EXPECT_EQ(r.response.result(), http::status::see_other);
  EXPECT_EQ(status->state_of("alice-blog"), FeedState::paused);
  EXPECT_NE(get("/", c).response.body().find("Paused alice-blog."), std::string::npos);
  r = post("/feeds/action", "feed=alice-blog&action=resume&csrf=" + std::string(64, '0'), c);
  EXPECT_EQ(r.response.result(), http::status::forbidden);
  EXPECT_EQ(status->state_of("alice-blog"), FeedState::paused);
  r = post("/feeds/action", "feed=alice-blog&action=resume", c);
  EXPECT_EQ(r.response.result(), http::status::forbidden);
  r = post("/feeds/action", "feed=alice-blog&action=resume&csrf=" + csrf, c);
  EXPECT_EQ(r.response.result(), http::status::see_other);
  EXPECT_EQ(status->state_of("alice-blog"), FeedState::ok);
}

TEST_F(HandlerTest, ActionsWithoutASignedInSessionAreForbidden) {
  const auto start = get("/");
  const auto pre = set_cookie(start);
  const auto r = post("/feeds/action",
                      "feed=alice-blog&action=pause&csrf=" + csrf_of(start.response.body()), pre);
  EXPECT_EQ(r.response.result(), http::status::forbidden);
  EXPECT_EQ(post("/subscribe", "url=https://x.test/", "feedpop_session=garbage").response.result(),
            http::status::forbidden);
  EXPECT_EQ(status->action_count(), 0u);
}

TEST_F(HandlerTest, WrongPasswordIsDelayedAndCountedAndGivesNoSession) {
  const auto start = get("/");
  const auto pre = set_cookie(start);
  const auto csrf = csrf_of(start.response.body());
  const auto r1 = post("/login", "user=alice&password=nope&csrf=" + csrf, pre);
  EXPECT_EQ(r1.response.result(), http::status::ok);
  EXPECT_NE(r1.response.body().find("Wrong user name or password."), std::string::npos);
  EXPECT_GE(r1.delay.count(), 100);
  const auto r2 = post("/login", "user=nobody&password=x&csrf=" + csrf, pre);
  EXPECT_GT(r2.delay, r1.delay);                     // doubles per failure from the same address
  EXPECT_EQ(r2.response.body(), r1.response.body()); // unknown user looks the same
  EXPECT_EQ(r2.response[http::field::set_cookie], "");
}

TEST_F(HandlerTest, SignInWithoutTheFormsTokenIsForbidden) {
  const auto start = get("/");
  const auto r = post("/login", "user=alice&password=alice-pass", set_cookie(start));
  EXPECT_EQ(r.response.result(), http::status::forbidden);
  EXPECT_EQ(post("/login", "user=alice&password=alice-pass&csrf=x").response.result(),
            http::status::forbidden);
}

TEST_F(HandlerTest, PlainHttpSignInFromAnotherHostIsRefused) {
  const Peer far{"192.0.2.9", false, false};
  const auto start = get("/", "", far);
  const auto r =
      post("/login", "user=alice&password=alice-pass&csrf=" + csrf_of(start.response.body()),
           set_cookie(start), far);
  EXPECT_EQ(r.response.result(), http::status::forbidden);
  EXPECT_NE(r.response.body().find("encrypted"), std::string::npos);
}

TEST_F(HandlerTest, SigningInReplacesThePreSignInSession) {
  const auto start = get("/");
  const auto pre = set_cookie(start);
  const auto r =
      post("/login", "user=alice&password=alice-pass&csrf=" + csrf_of(start.response.body()), pre);
  ASSERT_EQ(r.response.result(), http::status::see_other);
  EXPECT_NE(set_cookie(r), pre);
  EXPECT_NE(get("/", pre).response.body().find("action=\"/login\""), std::string::npos);
}

TEST_F(HandlerTest, SignOutEndsTheSession) {
  const auto [c, csrf] = sign_in("alice", "alice-pass");
  EXPECT_EQ(post("/logout", "csrf=" + csrf, c).response.result(), http::status::see_other);
  EXPECT_NE(get("/", c).response.body().find("action=\"/login\""), std::string::npos);
}

TEST_F(HandlerTest, MetricsNeedLoopbackOrTheBearerToken) {
  EXPECT_EQ(get("/metrics").response.result(), http::status::ok);
  EXPECT_EQ(get("/metrics", "", remote).response.result(), http::status::forbidden);
  Request r(http::verb::get, "/metrics", 11);
  r.set(http::field::authorization, "Bearer s3cret-token");
  const auto ok = handler->handle(r, remote);
  EXPECT_EQ(ok.response.result(), http::status::ok);
  EXPECT_NE(ok.response.body().find("# TYPE feedpop_http_requests_total counter"),
            std::string::npos);
  r.set(http::field::authorization, "Bearer s3cret-tokeN");
  EXPECT_EQ(handler->handle(r, remote).response.result(), http::status::forbidden);
}

TEST_F(HandlerTest, HealthReportsProblemsWith503) {
  EXPECT_EQ(get("/healthz").response.body(), "ok\n");
  status->set_health_problems({"store unwritable: disk full"});
  const auto r = get("/healthz");
  EXPECT_EQ(r.response.result(), http::status::service_unavailable);
  EXPECT_EQ(r.response.body(), "store unwritable: disk full\n");
}

TEST_F(HandlerTest, UnknownPathsAndTraversalAre404AndWrongMethods405) {
  EXPECT_EQ(get("/../../etc/passwd").response.result(), http::status::not_found);
  EXPECT_EQ(get("/style.css/../../etc/passwd").response.result(), http::status::not_found);
  EXPECT_EQ(get("http://evil/").response.result(), http::status::not_found);
  const auto r = get("/login");
  EXPECT_EQ(r.response.result(), http::status::method_not_allowed);
  EXPECT_EQ(r.response[http::field::allow], "POST");
}

TEST_F(HandlerTest, HeadGetsTheLengthButNoBody) {
  Request r(http::verb::head, "/style.css", 11);
  const auto out = handler->handle(r, local);
  EXPECT_EQ(out.response.result(), http::status::ok);
  EXPECT_TRUE(out.response.body().empty());
  EXPECT_GT(std::stoul(std::string(out.response[http::field::content_length])), 100u);
}

TEST_F(HandlerTest, ProfileIsOnlyForSignedInUsers) {
  EXPECT_EQ(get("/profile.mobileconfig").response.result(), http::status::forbidden);
  const auto [c, csrf] = sign_in("alice", "alice-pass");
  const auto r = get("/profile.mobileconfig", c);
  EXPECT_EQ(r.response.result(), http::status::ok);
  EXPECT_EQ(r.response[http::field::content_type], "application/x-apple-aspen-config");
  EXPECT_NE(r.response.body().find("<string>alice@example.test</string>"), std::string::npos);
}

TEST_F(HandlerTest, SubscribeGoesToTheStatusSource) {
  const auto [c, csrf] = sign_in("alice", "alice-pass");
  EXPECT_EQ(
      post("/subscribe", "url=https%3A%2F%2Fnew.example%2Ffeed&csrf=" + csrf, c).response.result(),
      http::status::see_other);
  const auto page = get("/", c).response.body();
  EXPECT_NE(page.find("Subscribed to https://new.example/feed"), std::string::npos);
}

} // namespace
} // namespace feedpop::web
