// gateway::WebStatus, what the status page shows, over a real SQLite file: a user's own
// feeds (added by mail or on the page) next to their configured ones, with their poll
// state, paused ones as paused, their actions going through the Subscriptions service;
// admins see every feed, users' own ones under "owner/key"; the feeds-by-state gauges.
#include "gateway/web_status.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "common/metrics.hpp"
#include "gateway/digests.hpp"
#include "gateway/store_adapter.hpp"
#include "gateway/store_open.hpp"
#include "gateway/subscriptions.hpp"
#include "ingest/digest.hpp"
#include "mail/digest.hpp"
#include "tests/gateway/temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

using std::chrono::sys_seconds;

class WebStatusTest : public ::testing::Test {
protected:
  test::TempDir dir;
  std::shared_ptr<const Config> config;
  std::unique_ptr<storage::Store> writer;
  std::unique_ptr<Subscriptions> subscriptions;
  std::unique_ptr<WebStatus> status;
  int changes = 0;

  void SetUp() override {
    const std::string text = "data_dir: " + (dir.path() / "data").string() + R"(
users:
  alice:
    password: a
    feeds: [news]
    may_subscribe: true
  bob:
    password: b
    feeds: all
  root:
    password: r
    feeds: []
    admin: true
feeds:
  news:
    url: https://example.org/news.xml
    title: The News
)";
    config = std::make_shared<const Config>(parse_config(text, "feeds.yaml"));
    std::filesystem::create_directories(config->data_dir);
    writer = open_store(*config, storage::Role::writer);
    Subscriptions::Deps deps;
    deps.open_store = [this] { return open_store(*config, storage::Role::reader); };
    deps.config = [this] { return config; };
    deps.changed = [this] { ++changes; };
    // Discovery without a network: every URL is a feed titled after its last segment.
    deps.discover = [](const std::string& url, const DiscoveryOptions&) {
      Discovery d;
      d.feed_url = url;
      d.title = url.substr(url.rfind('/') + 1);
      return d;
    };
    subscriptions = std::make_unique<Subscriptions>(std::move(deps));
    status =
        std::make_unique<WebStatus>([this] { return open_store(*config, storage::Role::reader); },
                                    [this] { return config; }, subscriptions.get());
  }

  void polled(const std::string& key, const std::string& url, const std::string& result,
              std::optional<int> code = std::nullopt) {
    storage::FeedState s;
    s.key = key;
    s.config_url = url;
    s.url = url;
    s.last_status = result;
    s.http_code = code;
    s.last_poll = sys_seconds(std::chrono::seconds(1'700'000'000));
    s.next_poll = sys_seconds(std::chrono::seconds(1'700'003'600));
    if (result == "error") {
      s.last_error = "Not Found";
      s.consecutive_failures = 1;
    }
    writer->save_feed_state(s);
  }

  static const web::FeedStatus* find(const std::vector<web::FeedStatus>& feeds,
                                     const std::string& key) {
    const auto it = std::find_if(feeds.begin(), feeds.end(),
                                 [&](const web::FeedStatus& f) { return f.key == key; });
    return it == feeds.end() ? nullptr : &*it;
  }
};

TEST_F(WebStatusTest, AUsersOwnFeedsAppearNextToTheConfiguredOnesWithTheirState) {
  ASSERT_TRUE(status->subscribe("alice", "https://blog.example/feed.xml").ok);
  ASSERT_TRUE(subscriptions->subscribe("alice", "https://other.example/atom", "other", {}).ok);
  polled("news", "https://example.org/news.xml", "ok", 200);
  polled("alice/feed-xml", "https://blog.example/feed.xml", "ok", 200);
  polled("alice/other", "https://other.example/atom", "error", 404);

  const auto o = status->overview("alice");
  ASSERT_TRUE(o);
  ASSERT_EQ(o->feeds.size(), 3u);
  EXPECT_EQ(o->user.feeds, 3u);
  const auto* news = find(o->feeds, "news");
  ASSERT_NE(news, nullptr);
  EXPECT_FALSE(news->user_added);
  EXPECT_EQ(news->state, web::FeedState::ok);
  const auto* own = find(o->feeds, "feed-xml");
  ASSERT_NE(own, nullptr) << "the feed alice subscribed to on the page is not listed";
  EXPECT_TRUE(own->user_added);
  EXPECT_EQ(own->state, web::FeedState::ok);
  EXPECT_EQ(own->url, "https://blog.example/feed.xml");
  ASSERT_TRUE(own->last_fetch);
  const auto* other = find(o->feeds, "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->state, web::FeedState::failing);
  EXPECT_EQ(other->last_error, "The server answered HTTP 404: Not Found");
  EXPECT_TRUE(o->all_feeds.empty()) << "alice is no admin";

  // bob has none of alice's feeds.
  const auto b = status->overview("bob");
  ASSERT_TRUE(b);
  EXPECT_EQ(find(b->feeds, "feed-xml"), nullptr);
  EXPECT_EQ(find(b->feeds, "other"), nullptr);
}

TEST_F(WebStatusTest, PauseResumeAndUnsubscribeGoThroughTheSubscriptionService) {
  ASSERT_TRUE(subscriptions->subscribe("alice", "https://blog.example/rss", "blog", {}).ok);
  polled("alice/blog", "https://blog.example/rss", "ok", 200);
  const int before = changes;

  const auto paused = status->act("alice", "blog", web::FeedAction::pause);
  EXPECT_TRUE(paused.ok) << paused.message;
  EXPECT_EQ(find(status->overview("alice")->feeds, "blog")->state, web::FeedState::paused);
  EXPECT_TRUE(subscriptions->list("alice").at(0).paused);

  EXPECT_TRUE(status->act("alice", "blog", web::FeedAction::resume).ok);
  EXPECT_EQ(find(status->overview("alice")->feeds, "blog")->state, web::FeedState::ok);

  // Another user cannot act on alice's feed, nor anyone on a configured feed.
  EXPECT_FALSE(status->act("bob", "blog", web::FeedAction::pause).ok);
  EXPECT_FALSE(status->act("alice", "news", web::FeedAction::pause).ok);
  EXPECT_FALSE(subscriptions->list("alice").at(0).paused);

  EXPECT_TRUE(status->act("alice", "blog", web::FeedAction::unsubscribe).ok);
  EXPECT_EQ(find(status->overview("alice")->feeds, "blog"), nullptr);
  EXPECT_EQ(changes, before + 3) << "the fetcher was not told of each change";
}

TEST_F(WebStatusTest, SubscribingIsRefusedForUsersWithoutTheRight) {
  const auto r = status->subscribe("bob", "https://blog.example/rss");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("may_subscribe"), std::string::npos) << r.message;
  EXPECT_TRUE(subscriptions->list("bob").empty());
}

TEST_F(WebStatusTest, AdminsSeeEveryFeedAndUserWithUsersOwnFeedsUnderTheirStoreKey) {
  ASSERT_TRUE(subscriptions->subscribe("alice", "https://blog.example/rss", "blog", {}).ok);
  ASSERT_TRUE(status->act("alice", "blog", web::FeedAction::pause).ok);
  const auto o = status->overview("root");
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->feeds.empty());
  ASSERT_EQ(o->all_feeds.size(), 2u);
  EXPECT_NE(find(o->all_feeds, "news"), nullptr);
  const auto* blog = find(o->all_feeds, "alice/blog");
  ASSERT_NE(blog, nullptr);
  EXPECT_EQ(blog->state, web::FeedState::paused);
  EXPECT_FALSE(blog->user_added) << "an admin's overview row must not offer alice's actions";
  ASSERT_EQ(o->all_users.size(), 3u);
  const auto alice = std::find_if(o->all_users.begin(), o->all_users.end(),
                                  [](const web::UserStatus& u) { return u.name == "alice"; });
  ASSERT_NE(alice, o->all_users.end());
  EXPECT_EQ(alice->feeds, 2u);
}

TEST_F(WebStatusTest, WaitingMessagesCountTheUsersOwnFeeds) {
  ASSERT_TRUE(subscriptions->subscribe("alice", "https://blog.example/rss", "blog", {}).ok);
  std::vector<storage::NewEntry> entries(2);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].identity = "e" + std::to_string(i);
    entries[i].content_hash = "h";
    entries[i].message = "Subject: x\r\n\r\n" + std::string(100, 'x') + "\r\n";
  }
  storage::FeedState state;
  state.key = "alice/blog";
  state.config_url = state.url = "https://blog.example/rss";
  state.last_status = "ok";
  writer->insert_entries("alice/blog", entries, state);
  const auto o = status->overview("alice");
  EXPECT_EQ(o->user.waiting_messages, 2u);
  EXPECT_GT(o->user.waiting_bytes, 200u);
  EXPECT_EQ(find(o->feeds, "blog")->delivered, 2u);
  EXPECT_EQ(status->overview("bob")->user.waiting_messages, 0u);
}

// Entries as the fetcher stores them for a digested feed: message and digest item.
void store_digested(storage::Store& store, const std::string& key, std::size_t n) {
  std::vector<storage::NewEntry> entries(n);
  for (std::size_t i = 0; i < n; ++i) {
    entries[i].identity = key + std::to_string(i);
    entries[i].content_hash = "h";
    entries[i].message = "Subject: x\r\n\r\nbody\r\n";
    mail::DigestItem item;
    item.feed_key = item.feed_title = key;
    item.title = "Entry " + entries[i].identity;
    item.html = "<p>body</p>";
    item.text = "body";
    entries[i].digest_item = mail::encode_digest_item(item);
  }
  storage::FeedState state;
  state.key = key;
  state.last_status = "ok";
  store.insert_entries(key, entries, state);
}

TEST_F(WebStatusTest, ADigestedUsersWaitingMessagesAreWhatTheirPop3MailboxShows) {
  config =
      std::make_shared<const Config>(parse_config("data_dir: " + config->data_dir.string() + R"(
users:
  alice: {password: a, feeds: [news]}
  bob: {password: b, feeds: all, may_subscribe: true, digest: {every: 1d}}
feeds:
  news: {url: https://example.org/news.xml}
)",
                                                  "feeds.yaml"));
  ASSERT_TRUE(subscriptions->subscribe("bob", "https://bob.example/rss", "own", {}).ok);
  store_digested(*writer, "news", 3);
  store_digested(*writer, "bob/own", 2);
  StoreAuthenticator pop3([this] { return open_store(*config, storage::Role::reader); }, config);
  const auto waiting = [&](const std::string& user) {
    const auto o = status->overview(user);
    EXPECT_EQ(o->user.waiting_messages, pop3.open(user)->messages().size()) << user;
    return o->user.waiting_messages;
  };
  EXPECT_EQ(waiting("bob"), 0u) << "his entries wait for the digest, none as single messages";
  EXPECT_EQ(waiting("alice"), 3u);
  for (const auto& d : digest_configs(*config, writer->user_feeds(""))) {
    ingest::build_digest(*writer, d, sys_seconds(std::chrono::seconds(2'000'000'000)),
                         "feedpop.test", mail::default_digest_part_size);
  }
  EXPECT_EQ(waiting("bob"), 1u) << "one digest of his 5 entries, his own feed's too";
  EXPECT_EQ(waiting("alice"), 3u);
}

TEST_F(WebStatusTest, FeedGaugesCountUsersOwnFeedsAndPausedOnes) {
  ASSERT_TRUE(subscriptions->subscribe("alice", "https://a.example/rss", "a", {}).ok);
  ASSERT_TRUE(subscriptions->subscribe("alice", "https://b.example/rss", "b", {}).ok);
  polled("news", "https://example.org/news.xml", "ok", 200);
  polled("alice/a", "https://a.example/rss", "error", 500);
  ASSERT_TRUE(status->act("alice", "b", web::FeedAction::pause).ok);
  status->refresh_feed_gauges();
  const auto& m = metrics::handles();
  EXPECT_EQ(m.feeds_ok.value(), 1);
  EXPECT_EQ(m.feeds_failing.value(), 1);
  EXPECT_EQ(m.feeds_paused.value(), 1);
  EXPECT_EQ(m.feeds_gone.value(), 0);
}

TEST_F(WebStatusTest, AStateFromAnotherUrlIsNotShownForAFeed) {
  // The key's previous URL failed; the feed now at this key was never polled.
  polled("news", "https://old.example/news.xml", "error", 404);
  const auto o = status->overview("alice"); // kept: find() points into it
  ASSERT_TRUE(o);
  const auto* news = find(o->feeds, "news");
  ASSERT_NE(news, nullptr);
  EXPECT_EQ(news->state, web::FeedState::pending);
  EXPECT_TRUE(news->last_error.empty());
}

TEST_F(WebStatusTest, AListenerThatIsNotAcceptingMakesTheServiceUnhealthy) {
  std::vector<std::string> down;
  status->watch_listeners([&down] { return down; });
  const auto listener_problems = [&] {
    auto all = status->health_problems();
    std::erase_if(all, [](const std::string& p) { return !p.starts_with("listener down: "); });
    return all;
  };
  EXPECT_TRUE(listener_problems().empty());
  down = {"POP3 listener 127.0.0.1:1110: not accepting connections for 2 s (Too many open files)"};
  EXPECT_EQ(listener_problems(), std::vector<std::string>{"listener down: " + down[0]});
  down.clear();
  EXPECT_TRUE(listener_problems().empty());
}

TEST(WebStatusPlainError, AnErrorThatOnlyRepeatsTheStatusIsNotShownTwice) {
  storage::FeedState s;
  s.last_status = "error";
  s.http_code = 404;
  s.last_error = "HTTP 404";
  EXPECT_EQ(plain_error(s), "The server answered HTTP 404");
  s.http_code.reset();
  s.last_error = "Could not resolve host: nowhere.invalid";
  s.consecutive_failures = 3;
  EXPECT_EQ(plain_error(s),
            "The feed could not be fetched: Could not resolve host: nowhere.invalid (3 failures "
            "in a row)");
}

} // namespace
} // namespace feedpop::gateway
