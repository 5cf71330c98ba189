#include "ingest/fetcher.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <thread>

#include "feeds/http_client.hpp"
#include "ingest/ingest.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::ingest {
namespace {

using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

struct Item {
  std::string guid;
  std::string title;
  std::string body = "body";
  int day = 1; // pubDate: 2024-06-<day>
};

std::string rss(const std::vector<Item>& items) {
  std::string out =
      "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Test feed</title>"
      "<link>http://example.org/</link>\n";
  for (const auto& i : items) {
    out += fmt::format("<item><guid isPermaLink=\"false\">{}</guid><title>{}</title>"
                       "<link>http://example.org/{}</link><description>{}</description>"
                       "<pubDate>{:02} Jun 2024 10:00:00 GMT</pubDate></item>\n",
                       i.guid, i.title, i.guid, i.body, i.day);
  }
  return out + "</channel></rss>\n";
}

class FetcherTest : public ::testing::Test {
protected:
  void SetUp() override {
    server = std::make_unique<HttpTestServer>(files.path);
    config.fetch.timeout = std::chrono::seconds(10);
    config.fetch.notify_after = std::chrono::hours(24);
  }

  void add_feed(const std::string& key, const std::string& path,
                std::optional<std::size_t> initial = std::nullopt) {
    FeedOptions f;
    f.key = key;
    f.url = server->url(path);
    f.initial = initial;
    config.feeds[key] = f;
  }

  std::unique_ptr<storage::Store> open_store() {
    return storage::open_sqlite_store((data.path / "feedpop.db").string(), storage::Role::writer);
  }

  PollReport poll() {
    Fetcher fetcher(open_store(), config);
    return fetcher.poll_once();
  }

  FeedPollResult poll_one(const std::string& key) {
    for (auto& r : poll().feeds) {
      if (r.key == key) {
        return r;
      }
    }
    ADD_FAILURE() << "no result for " << key;
    return {};
  }

  // The messages alice can retrieve, in mailbox order.
  std::vector<std::string> mailbox() {
    auto store = open_store();
    std::vector<std::string> keys;
    for (const auto& [k, f] : config.feeds) {
      keys.push_back(k);
    }
    std::vector<std::string> out;
    for (const auto& item : store->snapshot("alice", keys)) {
      out.push_back(storage::testing::read_whole(*store, item.id));
    }
    return out;
  }

  storage::FeedState state(const std::string& key) {
    auto s = open_store()->feed_state(key);
    EXPECT_TRUE(s.has_value()) << key;
    return s.value_or(storage::FeedState{});
  }

  std::size_t known(const std::string& key) { return open_store()->known_entries(key).size(); }

  int requests(const std::string& path) {
    feeds::HttpClient client;
    feeds::HttpRequest r;
    r.url = server->url("/count?path=" + path);
    auto res = client.fetch(r);
    return std::stoi(std::get<feeds::Fetched>(res).body);
  }

  TempDir files{"feedpop-files"};
  TempDir data{"feedpop-data"};
  std::unique_ptr<HttpTestServer> server;
  Options config;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_F(FetcherTest, AFirstPollDeliversOnlyTheNewestInitialEntriesAndRemembersTheRest) {
  write_file(files.path / "a.xml", rss({{"1", "one", "b", 1},
                                        {"3", "three", "b", 3},
                                        {"2", "two", "b", 2},
                                        {"5", "five", "b", 5},
                                        {"4", "four", "b", 4}}));
  add_feed("a", "/files/a.xml", 2);
  const auto r = poll_one("a");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.new_entries, 2U);
  EXPECT_EQ(known("a"), 5U);
  const auto mail = mailbox();
  ASSERT_EQ(mail.size(), 2U);
  EXPECT_TRUE(contains(mail[0], "four")); // oldest delivered first
  EXPECT_TRUE(contains(mail[1], "five"));
}

TEST_F(FetcherTest, AnUnchangedFeedIsANotModifiedPollThatStoresNothing) {
  write_file(files.path / "a.xml", rss({{"1", "one"}, {"2", "two"}}));
  add_feed("a", "/files/a.xml");
  EXPECT_EQ(poll_one("a").new_entries, 2U);
  const auto first = state("a");
  ASSERT_TRUE(first.etag);
  const auto r = poll_one("a");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.status, "not_modified");
  EXPECT_EQ(r.http_code, 304);
  EXPECT_EQ(mailbox().size(), 2U);
  const auto second = state("a");
  EXPECT_EQ(second.last_status, "not_modified");
  EXPECT_EQ(second.etag, first.etag);
  EXPECT_TRUE(second.next_poll.has_value());
}

TEST_F(FetcherTest, AChangedFeedStoresExactlyItsNewEntries) {
  write_file(files.path / "a.xml", rss({{"1", "one"}, {"2", "two"}}));
  add_feed("a", "/files/a.xml");
  poll();
  write_file(files.path / "a.xml", rss({{"3", "three", "b", 3}, {"2", "two"}}));
  const auto r = poll_one("a");
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.new_entries, 1U);
  const auto mail = mailbox();
  ASSERT_EQ(mail.size(), 3U);
  EXPECT_TRUE(contains(mail[2], "three"));
  EXPECT_EQ(known("a"), 3U); // "1" left the document but stays stored
}

TEST_F(FetcherTest, IncludeAndExcludeFiltersRememberFilteredEntriesAsSeen) {
  write_file(files.path / "a.xml", rss({{"1", "Rust release"},
                                        {"2", "C++ news", "about rust too"},
                                        {"3", "Sponsored: rust course"},
                                        {"4", "Gardening"}}));
  add_feed("a", "/files/a.xml");
  config.feeds["a"].include = {"rust"};
  config.feeds["a"].exclude = {"^sponsored"};
  EXPECT_EQ(poll_one("a").new_entries, 2U);
  const auto mail = mailbox();
  ASSERT_EQ(mail.size(), 2U);
  EXPECT_EQ(known("a"), 4U);
  for (const auto& m : mail) {
    EXPECT_FALSE(contains(m, "Sponsored"));
    EXPECT_FALSE(contains(m, "Gardening"));
  }
}

TEST_F(FetcherTest, UpdatedEntriesAreIgnoredByDefault) {
  write_file(files.path / "a.xml", rss({{"1", "one", "first version"}}));
  add_feed("a", "/files/a.xml");
  poll();
  write_file(files.path / "a.xml", rss({{"1", "one", "second version"}}));
  EXPECT_EQ(poll_one("a").new_entries, 0U);
  EXPECT_EQ(mailbox().size(), 1U);
}

TEST_F(FetcherTest, RedeliverSendsAnUpdatedEntryThreadedToTheOldMessage) {
  write_file(files.path / "a.xml", rss({{"1", "one", "first version"}}));
  add_feed("a", "/files/a.xml");
  config.feeds["a"].on_update = OnUpdate::redeliver;
  poll();
  write_file(files.path / "a.xml", rss({{"1", "one", "second version"}}));
  EXPECT_EQ(poll_one("a").new_entries, 1U);
  auto mail = mailbox();
  ASSERT_EQ(mail.size(), 2U);
  EXPECT_TRUE(contains(mail[1], "second version"));
  const auto id_at = mail[0].find("Message-ID: ");
  ASSERT_NE(id_at, std::string::npos);
  const auto old_id = mail[0].substr(id_at + 12, mail[0].find("\r\n", id_at) - id_at - 12);
  EXPECT_TRUE(contains(mail[1], "In-Reply-To: " + old_id)) << mail[1];
  EXPECT_TRUE(contains(mail[1], "References: " + old_id)) << mail[1];
  EXPECT_FALSE(contains(mail[1], "Message-ID: " + old_id)) << mail[1];
  EXPECT_TRUE(contains(mail[1], "Subject: Updated: one")) << mail[1];
  // The same version again is not sent twice; a third version the same day is not sent
  // either (one update per entry per day: tests/ingest/updates_test.cpp).
  write_file(files.path / "a.xml", rss({{"1", "one", "second version"}}) + " ");
  EXPECT_EQ(poll_one("a").new_entries, 0U);
  write_file(files.path / "a.xml", rss({{"1", "one", "third version"}}));
  EXPECT_EQ(poll_one("a").new_entries, 0U);
  EXPECT_EQ(mailbox().size(), 2U);
}

TEST_F(FetcherTest, GoneDisablesTheFeedUntilItsUrlChanges) {
  add_feed("a", "/status/410");
  const auto r = poll_one("a");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, "gone");
  EXPECT_TRUE(state("a").disabled);
  EXPECT_EQ(poll_one("a").status, "gone");
  EXPECT_EQ(requests("/status/410"), 1); // not requested again
  write_file(files.path / "new.xml", rss({{"1", "one"}}));
  config.feeds["a"].url = server->url("/files/new.xml");
  const auto again = poll_one("a");
  EXPECT_TRUE(again.ok) << again.error;
  EXPECT_FALSE(state("a").disabled);
}

TEST_F(FetcherTest, APermanentRedirectSeenOnTwoPollsMovesTheFeed) {
  write_file(files.path / "feed.xml", rss({{"1", "one"}}));
  add_feed("a", "/redirect/301/2");
  poll();
  auto s = state("a");
  EXPECT_EQ(s.url, server->url("/redirect/301/2"));
  EXPECT_EQ(s.redirect_to, server->url("/files/feed.xml"));
  poll();
  s = state("a");
  EXPECT_EQ(s.url, server->url("/files/feed.xml"));
  EXPECT_EQ(s.config_url, server->url("/redirect/301/2"));
  const int before = requests("/redirect/301/2");
  poll();
  EXPECT_EQ(requests("/redirect/301/2"), before); // polls the new URL directly now
  EXPECT_EQ(mailbox().size(), 1U);
}

TEST_F(FetcherTest, ATemporaryRedirectNeverMovesTheFeed) {
  write_file(files.path / "feed.xml", rss({{"1", "one"}}));
  add_feed("a", "/redirect/302/1");
  poll();
  poll();
  poll();
  EXPECT_EQ(state("a").url, server->url("/redirect/302/1"));
}

TEST_F(FetcherTest, FailuresBackOffAndAreReported) {
  add_feed("a", "/status/500");
  add_feed("b", "/status/404");
  add_feed("c", "/loop/a");
  const auto report = poll();
  EXPECT_EQ(report.failed(), 3U);
  auto s = state("a");
  EXPECT_EQ(s.last_status, "error");
  EXPECT_EQ(s.http_code, 500);
  EXPECT_EQ(s.last_error, "HTTP 500");
  EXPECT_EQ(s.consecutive_failures, 1);
  const auto first_gap = *s.next_poll - *s.last_poll;
  poll();
  poll();
  s = state("a");
  EXPECT_EQ(s.consecutive_failures, 3);
  EXPECT_GT(*s.next_poll - *s.last_poll, first_gap * 3);
  EXPECT_NE(state("c").last_error->find("loop"), std::string::npos);
}

TEST_F(FetcherTest, TooManyRequestsWaitsForRetryAfter) {
  add_feed("a", "/status/429?retry_after=7200");
  config.fetch.interval = std::chrono::minutes(5);
  poll();
  const auto s = state("a");
  EXPECT_GE(*s.next_poll - *s.last_poll, std::chrono::seconds(7200 * 9 / 10));
}

TEST_F(FetcherTest, AFailingFeedSendsOneNoticeAndOneWhenItRecovers) {
  write_file(files.path / "a.xml", rss({{"1", "one"}}));
  write_file(files.path / "a.xml.status", "500");
  add_feed("a", "/files/a.xml");
  config.fetch.notify_after = std::chrono::seconds(0);
  poll();
  auto mail = mailbox();
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_TRUE(contains(mail[0], "failing")) << mail[0];
  EXPECT_TRUE(contains(mail[0], "HTTP 500")) << mail[0];
  poll();
  EXPECT_EQ(mailbox().size(), 1U); // one notice per outage
  std::filesystem::remove(files.path / "a.xml.status");
  poll();
  mail = mailbox();
  ASSERT_EQ(mail.size(), 3U);
  EXPECT_TRUE(contains(mail[1] + mail[2], "works again"));
  EXPECT_FALSE(state("a").failure_notified);
}

TEST_F(FetcherTest, NoNoticeBeforeNotifyAfter) {
  add_feed("a", "/status/500");
  poll();
  poll();
  EXPECT_TRUE(mailbox().empty());
}

TEST_F(FetcherTest, ANonFeedBodyIsAParseFailureAndKeepsNoValidators) {
  write_file(files.path / "a.xml", "Just some text, neither XML nor JSON.\n");
  add_feed("a", "/files/a.xml");
  const auto r = poll_one("a");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("parse error"), std::string::npos) << r.error;
  EXPECT_FALSE(state("a").etag);
}

TEST_F(FetcherTest, FileUrlsArePolledToo) {
  write_file(files.path / "local.xml", rss({{"1", "one"}}));
  FeedOptions f;
  f.key = "local";
  f.url = "file://" + (files.path / "local.xml").string();
  config.feeds["local"] = f;
  EXPECT_EQ(poll_one("local").new_entries, 1U);
  EXPECT_EQ(poll_one("local").status, "not_modified");
}

TEST_F(FetcherTest, WithPrivateAddressesDeniedAFeedOnLoopbackFailsWithAClearError) {
  write_file(files.path / "a.xml", rss({{"1", "one"}}));
  add_feed("a", "/files/a.xml");
  config.fetch.private_addresses = PrivateAddresses::deny;
  const auto r = poll_one("a");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, "error");
  EXPECT_NE(r.error.find("refused to connect to 127.0.0.1, a private address"), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("fetch.private_addresses"), std::string::npos) << r.error;
  EXPECT_EQ(requests("/files/a.xml"), 0);
  EXPECT_EQ(state("a").last_error, r.error);
}

TEST_F(FetcherTest, FeedsUsersAddedReachPrivateAddressesOnlyWithAllowForUsers) {
  write_file(files.path / "a.xml", rss({{"1", "one"}}));
  write_file(files.path / "mine.xml", rss({{"1", "one"}}));
  add_feed("a", "/files/a.xml");
  add_feed("mine", "/files/mine.xml");
  config.feeds["mine"].user_added = true;
  auto report = poll();
  for (const auto& r : report.feeds) {
    EXPECT_EQ(r.ok, r.key == "a") << r.key << ": " << r.error; // allow: the file's feeds only
  }
  config.fetch.private_addresses = PrivateAddresses::allow_for_users;
  EXPECT_TRUE(poll_one("mine").ok);
  EXPECT_EQ(requests("/files/mine.xml"), 1);
}

TEST_F(FetcherTest, RetentionPurgesAfterIngest) {
  write_file(files.path / "a.xml",
             rss({{"1", "one", "b", 1}, {"2", "two", "b", 2}, {"3", "three", "b", 3}}));
  add_feed("a", "/files/a.xml");
  config.feeds["a"].max_entries = 2;
  poll();
  EXPECT_EQ(mailbox().size(), 2U);
}

// Thousands of feeds behind one host name must all be fetched, over every per_host
// connection, with no request timing out while it waits for a slot.
void poll_many_feeds_on_one_host(bool http10) {
  TempDir files("feedpop-files");
  TempDir data("feedpop-data");
  HttpTestServer server(files.path, {}, {}, http10);
  Options config;
  config.fetch.per_host = 2;
  config.fetch.timeout = std::chrono::seconds(2);
  for (int i = 0; i < 1000; ++i) {
    FeedOptions f;
    f.key = fmt::format("feed{:04}", i);
    f.url = server.url(fmt::format("/hold?ms=10&feed={}", i));
    config.feeds[f.key] = f;
  }
  Fetcher fetcher(
      storage::open_sqlite_store((data.path / "feedpop.db").string(), storage::Role::writer),
      config);
  const PollReport report = fetcher.poll_once();
  ASSERT_EQ(report.feeds.size(), 1000U);
  EXPECT_EQ(report.failed(), 0U);
  std::size_t fetched = 0;
  for (const auto& r : report.feeds) {
    fetched += r.status == "ok" && r.new_entries == 1 ? 1 : 0;
    if (!r.ok) {
      ADD_FAILURE() << r.key << ": " << r.error;
      break;
    }
  }
  EXPECT_EQ(fetched, 1000U);
  feeds::HttpClient client;
  feeds::HttpRequest peak;
  peak.url = server.url("/max_concurrent");
  EXPECT_EQ(std::get<feeds::Fetched>(client.fetch(peak)).body, "2"); // both slots busy
}

TEST(FetcherOneHost, AThousandFeedsOnOneHttp10HostAreFetchedOverBothConnections) {
  poll_many_feeds_on_one_host(true);
}

TEST(FetcherOneHost, AThousandFeedsOnOneHttp11HostAreFetchedOverBothConnections) {
  poll_many_feeds_on_one_host(false);
}

bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST_F(FetcherTest, TheThreadPollsNewFeedsAtOnceAfterApply) {
  write_file(files.path / "a.xml", rss({{"1", "one"}}));
  write_file(files.path / "b.xml", rss({{"1", "one"}, {"2", "two"}}));
  add_feed("a", "/files/a.xml");
  Fetcher fetcher(open_store(), config);
  fetcher.start();
  EXPECT_TRUE(wait_for([&] { return known("a") == 1; }, std::chrono::seconds(10)));
  add_feed("b", "/files/b.xml");
  fetcher.apply(config);
  EXPECT_TRUE(wait_for([&] { return known("b") == 2; }, std::chrono::seconds(10)));
  const auto before = std::chrono::steady_clock::now();
  fetcher.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  EXPECT_EQ(requests("/files/a.xml"), 1); // not due again for 30 minutes
}

TEST_F(FetcherTest, StopAbortsTransfersInFlightAndCommitsNothingOfThem) {
  add_feed("slow", "/slow?seconds=30");
  Fetcher fetcher(open_store(), config);
  fetcher.start();
  EXPECT_TRUE(wait_for([&] { return requests("/slow") == 1; }, std::chrono::seconds(10)));
  const auto before = std::chrono::steady_clock::now();
  fetcher.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  EXPECT_FALSE(open_store()->feed_state("slow").has_value());
}

} // namespace
} // namespace feedpop::ingest
