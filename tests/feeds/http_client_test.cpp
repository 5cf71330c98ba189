#include "feeds/http_client.hpp"

#include <filesystem>
#include <gtest/gtest.h>

#include "tests/support/http_test_server.hpp"

namespace feedpop::feeds {
namespace {

using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

constexpr const char* feed_body =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>files</title></channel></rss>";

HttpRequest req(std::string url, std::optional<std::string> etag = {},
                std::optional<std::string> last_modified = {},
                std::optional<std::string> user_agent = {}) {
  HttpRequest r;
  r.url = std::move(url);
  r.etag = std::move(etag);
  r.last_modified = std::move(last_modified);
  r.user_agent = std::move(user_agent);
  return r;
}

class HttpClientTest : public ::testing::Test {
protected:
  void SetUp() override {
    write_file(dir.path / "feed.xml", feed_body);
    server = std::make_unique<HttpTestServer>(dir.path);
  }
  HttpOptions options() const {
    HttpOptions o;
    o.timeout = std::chrono::seconds(10);
    return o;
  }
  FetchResult get(const std::string& path, HttpOptions o) {
    HttpClient client(std::move(o));
    return client.fetch(req(server->url(path)));
  }
  FetchResult get(const std::string& path) { return get(path, options()); }

  TempDir dir;
  std::unique_ptr<HttpTestServer> server;
};

FetchFailed failed(const FetchResult& r) {
  const FetchFailed none{};
  if (auto* f = std::get_if<FetchFailed>(&r)) {
    return *f;
  }
  ADD_FAILURE() << "expected a failure, got variant index " << r.index();
  return none;
}

Fetched fetched(const FetchResult& r) {
  const Fetched none{};
  if (auto* f = std::get_if<Fetched>(&r)) {
    return *f;
  }
  if (auto* f = std::get_if<FetchFailed>(&r)) {
    ADD_FAILURE() << "fetch failed: " << f->error;
  } else {
    ADD_FAILURE() << "expected a body, got variant index " << r.index();
  }
  return none;
}

TEST_F(HttpClientTest, EveryLinkHeaderOfTheResponseIsKeptInOrder) {
  write_file(dir.path / "page.html", "<p>page</p>");
  write_file(dir.path / "page.html.headers",
             "Content-Type: text/html\nLink: </a>; rel=\"alternate\", <b>; rel=next\n"
             "Link: <c>; rel=prev\n");
  const auto& r = fetched(get("/files/page.html"));
  EXPECT_EQ(r.info.content_type, "text/html");
  EXPECT_EQ(r.info.links,
            (std::vector<std::string>{"</a>; rel=\"alternate\", <b>; rel=next", "<c>; rel=prev"}));
  EXPECT_TRUE(fetched(get("/files/feed.xml")).info.links.empty());
}

TEST_F(HttpClientTest, A200ReturnsTheBodyAndItsValidators) {
  const auto& r = fetched(get("/files/feed.xml"));
  EXPECT_EQ(r.body, feed_body);
  EXPECT_EQ(r.info.http_code, 200);
  ASSERT_TRUE(r.info.etag);
  EXPECT_EQ(r.info.etag->front(), '"');
  ASSERT_TRUE(r.info.last_modified);
  EXPECT_NE(r.info.last_modified->find("GMT"), std::string::npos);
  EXPECT_EQ(r.info.content_type, "application/rss+xml");
  EXPECT_TRUE(r.info.redirects.empty());
}

TEST_F(HttpClientTest, AConditionalGetWithTheSameEtagIsNotModified) {
  HttpClient client(options());
  auto first = client.fetch(req(server->url("/files/feed.xml")));
  const auto& f = fetched(first);
  auto second = client.fetch(req(server->url("/files/feed.xml"), f.info.etag));
  ASSERT_TRUE(std::holds_alternative<NotModified>(second));
  EXPECT_EQ(std::get<NotModified>(second).info.http_code, 304);
  EXPECT_EQ(std::get<NotModified>(second).info.etag, f.info.etag);

  auto by_date = client.fetch(req(server->url("/files/feed.xml"), {}, f.info.last_modified));
  EXPECT_TRUE(std::holds_alternative<NotModified>(by_date));

  write_file(dir.path / "feed.xml", std::string(feed_body) + "\n<!-- changed -->");
  auto changed = client.fetch(req(server->url("/files/feed.xml"), f.info.etag));
  EXPECT_NE(fetched(changed).info.etag, f.info.etag);
}

TEST_F(HttpClientTest, RedirectChainsOfEveryKindAreFollowedAndRecorded) {
  for (int code : {301, 302, 307, 308}) {
    const auto& r = fetched(get("/redirect/" + std::to_string(code) + "/3"));
    EXPECT_EQ(r.body, feed_body) << code;
    ASSERT_EQ(r.info.redirects.size(), 3U) << code;
    EXPECT_EQ(r.info.redirects[0].code, code);
    EXPECT_EQ(r.info.redirects[0].from, server->url("/redirect/" + std::to_string(code) + "/3"));
    EXPECT_EQ(r.info.redirects[2].to, server->url("/files/feed.xml"));
    EXPECT_EQ(r.info.url, server->url("/files/feed.xml"));
    const bool permanent = code == 301 || code == 308;
    EXPECT_EQ(r.info.permanent_target().has_value(), permanent) << code;
  }
}

TEST_F(HttpClientTest, AChainMixingTemporaryHopsIsNotPermanent) {
  // /redirect/301/1?to=/redirect/302/1 → 301 then 302 → feed
  const auto& r = fetched(get("/redirect/301/1?to=/redirect/302/1"));
  ASSERT_EQ(r.info.redirects.size(), 2U);
  EXPECT_FALSE(r.info.permanent_target());
}

TEST_F(HttpClientTest, MoreThanFiveRedirectsFail) {
  EXPECT_TRUE(std::holds_alternative<Fetched>(get("/redirect/302/5")));
  const auto& f = failed(get("/redirect/302/6"));
  EXPECT_EQ(f.kind, FailureKind::too_many_redirects);
  EXPECT_EQ(f.info.redirects.size(), 6U);
}

TEST_F(HttpClientTest, ARedirectLoopIsDetectedAndNamed) {
  const auto& f = failed(get("/loop/a"));
  EXPECT_EQ(f.kind, FailureKind::redirect_loop);
  EXPECT_NE(f.error.find("/loop/a"), std::string::npos) << f.error;
  EXPECT_EQ(f.info.redirects.size(), 2U);
}

TEST_F(HttpClientTest, ErrorStatusesAreFailuresWithTheirCode) {
  for (int code : {404, 410, 500}) {
    const auto& f = failed(get("/status/" + std::to_string(code)));
    EXPECT_EQ(f.kind, FailureKind::http_status);
    EXPECT_EQ(f.info.http_code, code);
    EXPECT_EQ(f.error, "HTTP " + std::to_string(code));
  }
}

TEST_F(HttpClientTest, TooManyRequestsCarriesRetryAfter) {
  const auto& f = failed(get("/status/429?retry_after=120"));
  EXPECT_EQ(f.info.http_code, 429);
  EXPECT_EQ(f.info.retry_after, std::chrono::seconds(120));
  const auto& g = failed(get("/status/503?retry_after=7"));
  EXPECT_EQ(g.info.retry_after, std::chrono::seconds(7));
}

TEST_F(HttpClientTest, GzipBodiesAreDecoded) {
  const auto& r = fetched(get("/gzip"));
  EXPECT_NE(r.body.find("<rss"), std::string::npos);
}

TEST_F(HttpClientTest, ASlowServerHitsTheTotalTimeout) {
  auto o = options();
  o.timeout = std::chrono::milliseconds(700);
  const auto start = std::chrono::steady_clock::now();
  const auto& f = failed(get("/slow?seconds=20", o));
  EXPECT_EQ(f.kind, FailureKind::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(8));
}

TEST_F(HttpClientTest, AnOversizedBodyIsCutOff) {
  auto o = options();
  o.max_size = 1000;
  EXPECT_TRUE(std::holds_alternative<Fetched>(get("/big?bytes=1000", o)));
  const auto& f = failed(get("/big?bytes=1001", o));
  EXPECT_EQ(f.kind, FailureKind::too_large);
}

TEST_F(HttpClientTest, AGzipBombIsCutOffOnDecompressedBytes) {
  auto o = options();
  o.max_size = 1 << 20; // the bomb is ~16 KiB compressed, 16 MiB inflated
  const auto& f = failed(get("/bomb", o));
  EXPECT_EQ(f.kind, FailureKind::too_large);
}

TEST_F(HttpClientTest, TheUserAgentNamesFeedpopAndCanBeOverridden) {
  HttpClient client(options());
  const auto& r = fetched(client.fetch(req(server->url("/echo"))));
  EXPECT_NE(r.body.find("User-Agent: feedpop/"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Accept-Encoding: "), std::string::npos) << r.body;
  const auto& s = fetched(client.fetch(req(server->url("/echo"), {}, {}, "Mozilla/5.0 test")));
  EXPECT_NE(s.body.find("User-Agent: Mozilla/5.0 test"), std::string::npos) << s.body;
}

TEST_F(HttpClientTest, FileUrlsWorkWithModificationTimeAsValidator) {
  HttpClient client(options());
  const std::string url = "file://" + (dir.path / "feed.xml").string();
  auto first = client.fetch(req(url));
  const auto& f = fetched(first);
  EXPECT_EQ(f.body, feed_body);
  ASSERT_TRUE(f.info.last_modified);
  auto again = client.fetch(req(url, {}, f.info.last_modified));
  EXPECT_TRUE(std::holds_alternative<NotModified>(again));
  const auto& missing = failed(client.fetch(req(url + ".missing")));
  EXPECT_EQ(missing.kind, FailureKind::transport);
}

TEST_F(HttpClientTest, ARefusedConnectionIsATransportFailure) {
  // Port 1 (tcpmux) has no listener on a test machine.
  HttpClient client(options());
  auto r = client.fetch(req("http://127.0.0.1:1/feed.xml"));
  EXPECT_EQ(failed(r).kind, FailureKind::transport);
  EXPECT_FALSE(failed(r).error.empty());
}

TEST_F(HttpClientTest, ThePerHostLimitBoundsConcurrentRequests) {
  auto o = options();
  o.concurrency = 8;
  o.per_host = 2;
  HttpClient client(o);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(req(server->url("/hold?ms=300&i=" + std::to_string(i))));
  }
  auto results = client.fetch_all(requests);
  for (auto& r : results) {
    EXPECT_TRUE(std::holds_alternative<Fetched>(r));
  }
  const auto& peak = fetched(client.fetch(req(server->url("/max_concurrent"))));
  EXPECT_EQ(peak.body, "2");

  o.per_host = 4;
  HttpClient wider(o);
  wider.fetch_all(requests);
  EXPECT_EQ(fetched(wider.fetch(req(server->url("/max_concurrent")))).body, "4");
}

// An article fetched while handling a feed's completion: fetch_all() shares the slots of
// the requests in flight (one of two slots is held while its first request runs), hands
// the completion that arrives meanwhile, tag intact, to the next perform(), and starts
// none of the requests still queued (tag 3) before its own.
TEST_F(HttpClientTest, FetchAllAmidSubmittedRequestsSharesTheirSlotsAndKeepsTheirResults) {
  auto o = options();
  o.per_host = 2;
  HttpClient client(o);
  for (std::uint64_t tag : {1, 2, 3}) {
    HttpRequest r = req(server->url("/hold?ms=" + std::string(tag == 1 ? "250" : "50") +
                                    "&tag=" + std::to_string(tag)));
    r.tag = tag;
    client.submit(std::move(r));
  }
  std::vector<Completion> first;
  while (first.empty()) {
    first = client.perform(std::chrono::milliseconds(1000));
  }
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(first[0].tag, 2U);
  std::vector<HttpRequest> nested;
  for (int i = 0; i < 3; ++i) {
    nested.push_back(req(server->url("/hold?ms=200&n=" + std::to_string(i))));
    nested.back().tag = 1; // replaced: fetch_all's tags never clash with the caller's
  }
  for (const auto& r : client.fetch_all(nested)) {
    EXPECT_TRUE(std::holds_alternative<Fetched>(r));
  }
  EXPECT_EQ(client.pending(), 1U); // tag 1 finished during fetch_all(), tag 3 waited
  EXPECT_EQ(fetched(client.fetch(req(server->url("/count?path=/hold")))).body, "5");
  std::vector<Completion> rest = client.perform(std::chrono::milliseconds(0));
  ASSERT_EQ(rest.size(), 1U);
  EXPECT_EQ(rest[0].tag, 1U);
  EXPECT_TRUE(std::holds_alternative<Fetched>(rest[0].result));
  while (rest.size() < 2) {
    for (Completion& c : client.perform(std::chrono::milliseconds(1000))) {
      rest.push_back(std::move(c));
    }
  }
  EXPECT_EQ(rest[1].tag, 3U);
  EXPECT_EQ(fetched(client.fetch(req(server->url("/max_concurrent")))).body, "2");
}

TEST_F(HttpClientTest, ARequestsOwnMaxSizeLowersTheClientsLimit) {
  HttpClient client(options());
  HttpRequest r = req(server->url("/big?bytes=5000"));
  r.max_size = 4000;
  const auto& f = failed(client.fetch(r));
  EXPECT_EQ(f.kind, FailureKind::too_large);
  EXPECT_NE(f.error.find("4000"), std::string::npos) << f.error;
  r.max_size = 1'000'000'000; // never above HttpOptions::max_size
  auto o = options();
  o.max_size = 4000;
  EXPECT_EQ(failed(HttpClient(o).fetch(r)).kind, FailureKind::too_large);
  r.max_size = 5000;
  EXPECT_TRUE(std::holds_alternative<Fetched>(client.fetch(r)));
}

// Many feeds behind one name (YouTube, Substack, feedburner) on a server that closes
// every connection: every per-host slot is used, not one request at a time.
TEST(HttpClientOneHost, ManyRequestsToAnHttp10HostUseEveryPerHostSlot) {
  TempDir dir;
  HttpTestServer server(dir.path, {}, {}, /*http10=*/true);
  HttpOptions o;
  o.timeout = std::chrono::seconds(10);
  o.per_host = 2;
  HttpClient client(o);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 60; ++i) {
    requests.push_back(req(server.url("/hold?ms=30&i=" + std::to_string(i))));
  }
  for (auto& r : client.fetch_all(requests)) {
    EXPECT_TRUE(std::holds_alternative<Fetched>(r));
  }
  EXPECT_EQ(fetched(client.fetch(req(server.url("/max_concurrent")))).body, "2");
}

// A request waiting for a per-host slot has no clock running: its time limit starts with
// its transfer. Each answer takes 500 ms of an 800 ms limit; the last of six starts
// after 1 s of waiting.
TEST(HttpClientOneHost, AQueuedRequestsTimeLimitStartsWhenItsTransferStarts) {
  TempDir dir;
  HttpTestServer server(dir.path, {}, {}, /*http10=*/true);
  HttpOptions o;
  o.timeout = std::chrono::milliseconds(800);
  o.per_host = 2;
  HttpClient client(o);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 6; ++i) {
    requests.push_back(req(server.url("/hold?ms=500&i=" + std::to_string(i))));
  }
  for (auto& r : client.fetch_all(requests)) {
    EXPECT_EQ(fetched(r).body.empty(), false);
  }
}

TEST_F(HttpClientTest, TheGlobalLimitBoundsConcurrentRequests) {
  auto o = options();
  o.concurrency = 3;
  o.per_host = 10;
  HttpClient client(o);
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 7; ++i) {
    requests.push_back(req(server->url("/hold?ms=300&i=" + std::to_string(i))));
  }
  client.fetch_all(requests);
  EXPECT_EQ(fetched(client.fetch(req(server->url("/max_concurrent")))).body, "3");
}

TEST_F(HttpClientTest, CancelAllFailsEverythingInFlight) {
  HttpClient client(options());
  for (int i = 0; i < 4; ++i) {
    auto r = req(server->url("/slow?seconds=20"));
    r.tag = static_cast<std::uint64_t>(i);
    client.submit(r);
  }
  client.perform(std::chrono::milliseconds(100));
  client.cancel_all();
  auto done = client.perform(std::chrono::milliseconds(0));
  ASSERT_EQ(done.size(), 4U);
  for (auto& c : done) {
    EXPECT_EQ(failed(c.result).kind, FailureKind::cancelled);
  }
  EXPECT_EQ(client.pending(), 0U);
}

TEST(HttpClientTls, AServerSignedByAPrivateCaNeedsThatCa) {
  TempDir dir;
  write_file(dir.path / "feed.xml", feed_body);
  feedpop::testing::TestCertificates certs(dir.path);
  HttpTestServer server(dir.path, certs.server_cert.string(), certs.server_key.string());
  HttpOptions o;
  o.timeout = std::chrono::seconds(10);
  {
    HttpClient client(o);
    const auto& f = failed(client.fetch(req(server.url("/files/feed.xml"))));
    EXPECT_EQ(f.kind, FailureKind::transport);
    EXPECT_NE(f.error.find("certificate"), std::string::npos) << f.error;
  }
  o.ca_file = certs.ca_cert.string();
  HttpClient client(o);
  auto r = client.fetch(req(server.url("/files/feed.xml")));
  EXPECT_EQ(fetched(r).body, feed_body);
}

TEST(HttpAddressPolicy, PrivateLoopbackLinkLocalAndEmbeddedAddressesArePrivate) {
  for (const char* ip : {"127.0.0.1",   "127.255.0.9",     "0.0.0.0",          "10.1.2.3",
                         "172.16.0.1",  "172.31.255.255",  "192.168.1.1",      "169.254.169.254",
                         "100.64.0.1",  "224.0.0.1",       "255.255.255.255",  "::1",
                         "::",          "fc00::1",         "fd12:3456::1",     "fe80::1",
                         "fec0::1",     "ff02::1",         "::ffff:127.0.0.1", "::ffff:10.0.0.1",
                         "::127.0.0.1", "64:ff9b::7f00:1", "2002:c0a8:101::1", "localhost"}) {
    EXPECT_TRUE(is_private_address(ip)) << ip;
  }
  for (const char* ip :
       {"8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1", "93.184.216.34",
        "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}) {
    EXPECT_FALSE(is_private_address(ip)) << ip;
  }
}

TEST(HttpRedirectPolicy, OnlyHttpsToAnythingElseIsADowngrade) {
  EXPECT_TRUE(redirect_downgrades("https://a.example/feed", "http://a.example/feed"));
  EXPECT_TRUE(redirect_downgrades("HTTPS://a.example/feed", "http://b.example/feed"));
  EXPECT_FALSE(redirect_downgrades("http://a.example/feed", "https://a.example/feed"));
  EXPECT_FALSE(redirect_downgrades("https://a.example/feed", "HTTPS://b.example/feed"));
  EXPECT_FALSE(redirect_downgrades("http://a.example/feed", "http://b.example/feed"));
}

TEST(HttpRedirectPolicy, APermanentMoveIsRememberedOnlyWhenAsSafeAsTheOldUrl) {
  ResponseInfo info;
  info.redirects = {{301, "https://a.example/feed", "https://b.example/feed"}};
  EXPECT_EQ(info.permanent_target(), "https://b.example/feed");
  info.redirects = {{301, "http://a.example/feed", "https://a.example/feed"}};
  EXPECT_EQ(info.permanent_target(), "https://a.example/feed");
  info.redirects = {{308, "https://a.example/feed", "https://b.example/x"},
                    {301, "https://b.example/x", "http://c.example/feed"}};
  EXPECT_EQ(info.permanent_target(), std::nullopt);
}

class HttpPrivateAddressTest : public HttpClientTest {
protected:
  HttpRequest guarded(const std::string& url) {
    HttpRequest r = req(url);
    r.allow_private = false;
    return r;
  }
};

TEST_F(HttpPrivateAddressTest, ARequestWithoutAllowPrivateIsRefusedOnLoopback) {
  HttpClient client(options());
  const auto& f = failed(client.fetch(guarded(server->url("/files/feed.xml"))));
  EXPECT_EQ(f.kind, FailureKind::private_address);
  EXPECT_NE(f.error.find("refused to connect to 127.0.0.1"), std::string::npos) << f.error;
  EXPECT_EQ(fetched(client.fetch(req(server->url("/count?path=/files/feed.xml")))).body, "0");
  EXPECT_EQ(fetched(client.fetch(req(server->url("/files/feed.xml")))).body, feed_body);
}

TEST_F(HttpPrivateAddressTest, TheResolvedAddressIsCheckedNotTheName) {
  HttpClient client(options());
  const std::string url = "http://localhost:" + std::to_string(server->port()) + "/files/feed.xml";
  EXPECT_EQ(failed(client.fetch(guarded(url))).kind, FailureKind::private_address);
}

TEST_F(HttpPrivateAddressTest, AConnectionKeptOpenForAnotherRequestIsNotReused) {
  HttpClient client(options());
  EXPECT_EQ(fetched(client.fetch(req(server->url("/files/feed.xml")))).body, feed_body);
  const auto& f = failed(client.fetch(guarded(server->url("/files/feed.xml"))));
  EXPECT_EQ(f.kind, FailureKind::private_address) << f.error;
}

TEST_F(HttpPrivateAddressTest, FileUrlsAreRefused) {
  HttpClient client(options());
  const auto& f = failed(client.fetch(guarded("file://" + (dir.path / "feed.xml").string())));
  EXPECT_EQ(f.kind, FailureKind::private_address);
}

TEST(HttpRedirects, AnHttpsFeedRedirectingToHttpIsRefused) {
  TempDir dir;
  write_file(dir.path / "feed.xml", feed_body);
  feedpop::testing::TestCertificates certs(dir.path);
  HttpTestServer plain(dir.path);
  HttpTestServer tls(dir.path, certs.server_cert.string(), certs.server_key.string());
  HttpOptions o;
  o.timeout = std::chrono::seconds(10);
  o.ca_file = certs.ca_cert.string();
  HttpClient client(o);
  const auto& f =
      failed(client.fetch(req(tls.url("/redirect/301/1?to=" + plain.url("/files/feed.xml")))));
  EXPECT_EQ(f.kind, FailureKind::insecure_redirect);
  EXPECT_NE(f.error.find(plain.url("/files/feed.xml")), std::string::npos) << f.error;
  EXPECT_EQ(fetched(client.fetch(req(plain.url("/count?path=/files/feed.xml")))).body, "0");
  // https → https and http → http (across servers) are followed.
  EXPECT_EQ(
      fetched(client.fetch(req(tls.url("/redirect/301/1?to=" + tls.url("/files/feed.xml"))))).body,
      feed_body);
  HttpTestServer other(dir.path);
  const auto r =
      fetched(client.fetch(req(other.url("/redirect/301/1?to=" + plain.url("/files/feed.xml")))));
  EXPECT_EQ(r.body, feed_body);
  EXPECT_EQ(r.info.permanent_target(), plain.url("/files/feed.xml"));
}

} // namespace
} // namespace feedpop::feeds
