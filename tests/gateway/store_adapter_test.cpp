#include "gateway/store_adapter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "gateway/user_feeds.hpp"
#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

using storage::NewEntry;

NewEntry entry(const std::string& id, std::size_t body_size = 20) {
  NewEntry e;
  e.identity = id;
  e.content_hash = "h-" + id;
  e.message = "Subject: " + id + "\r\n\r\n" + std::string(body_size, 'x') + "\r\n";
  return e;
}

storage::FeedState state_for(const std::string& key) {
  storage::FeedState s;
  s.key = key;
  s.url = s.config_url = "http://127.0.0.1/" + key;
  return s;
}

Config make_config() {
  Config c;
  for (const char* key : {"lwn", "hn"}) {
    FeedConfig f;
    f.key = key;
    f.tags = {"news"};
    c.feeds[key] = f;
  }
  UserConfig alice;
  alice.name = "alice";
  alice.password = "secret";
  UserConfig bob;
  bob.name = "bob";
  // RFC 7677 §3's example verifier for user "user", password "pencil".
  bob.scram = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
              "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
              "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
  bob.all_feeds = false;
  bob.feeds = {"hn"};
  UserConfig nobody;
  nobody.name = "nobody";
  c.users = {{"alice", alice}, {"bob", bob}, {"nobody", nobody}};
  return c;
}

class StoreAdapter : public ::testing::Test {
protected:
  void SetUp() override {
    writer_ = storage::open_sqlite_store(db_, storage::Role::writer);
    writer_->insert_entries("lwn", {entry("l1"), entry("l2")}, state_for("lwn"));
    writer_->insert_entries("hn", {entry("h1"), entry("h2", 200000)}, state_for("hn"));
    writer_->insert_entries("lwn", {entry("l3")}, state_for("lwn"));
  }
  std::shared_ptr<StoreAuthenticator>
  make_auth(Config c = make_config(),
            std::size_t cache_bytes = StoreAuthenticator::default_message_cache_bytes) {
    return std::make_shared<StoreAuthenticator>(
        [this] {
          ++opened_;
          return storage::open_sqlite_store(db_, storage::Role::reader);
        },
        std::make_shared<const Config>(std::move(c)), 8, cache_bytes);
  }
  static std::string pull_all(pop3::Maildrop& m, std::size_t index, std::size_t buffer = 1000) {
    std::string out;
    std::string buf(buffer, '\0');
    for (std::size_t n; (n = m.read_at(index, out.size(), buf.data(), buf.size())) > 0;) {
      out.append(buf, 0, n);
    }
    return out;
  }
  static std::vector<std::string> uidls(const pop3::Maildrop& m) {
    std::vector<std::string> out;
    for (const auto& info : m.messages()) {
      out.emplace_back(info.uidl);
    }
    return out;
  }
  static std::string read_all(pop3::Maildrop& m, std::size_t index) {
    return pull_all(m, index, 16 * 1024); // the session's read buffer
  }

  test::TempDir dir_;
  std::string db_ = (dir_.path() / "feedpop.db").string();
  std::unique_ptr<storage::Store> writer_;
  std::atomic<int> opened_{0};
};

TEST_F(StoreAdapter, LookupGivesPlaintextOrScramAndNothingForUnknownUsers) {
  auto auth = make_auth();
  const auto alice = auth->lookup("alice");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->plaintext, "secret");
  EXPECT_FALSE(alice->scram);
  const auto bob = auth->lookup("bob");
  ASSERT_TRUE(bob);
  EXPECT_FALSE(bob->plaintext);
  ASSERT_TRUE(bob->scram);
  EXPECT_EQ(bob->scram->iterations, 4096U);
  EXPECT_EQ(bob->scram->stored_key.size(), 32U);
  EXPECT_FALSE(auth->lookup("mallory"));
  EXPECT_FALSE(auth->lookup("nobody")) << "a user without any secret can never log in";
  const auto view = auth->lookup("alice+lwn");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->plaintext, "secret") << "a view logs in with the user's password";
  EXPECT_TRUE(auth->has_plaintext_secrets());
}

TEST_F(StoreAdapter, FullMailboxHoldsEverySubscribedEntryInArrivalOrderWithExactSizes) {
  auto auth = make_auth();
  auto alice = auth->open("alice");
  ASSERT_EQ(alice->messages().size(), 5U);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto bytes = read_all(*alice, i);
    EXPECT_EQ(bytes.size(), alice->messages()[i].size);
  }
  EXPECT_EQ(read_all(*alice, 0).substr(0, 12), "Subject: l1\r");
  EXPECT_EQ(read_all(*alice, 4).substr(0, 12), "Subject: l3\r") << "new mail comes last";
  auto bob = auth->open("bob");
  EXPECT_EQ(bob->messages().size(), 2U);
  char c = 0;
  EXPECT_THROW(alice->read_at(5, 0, &c, 1), pop3::MaildropError);
}

TEST_F(StoreAdapter, PullReadsReassembleALargeMessageExactly) {
  auto auth = make_auth();
  auto bob = auth->open("bob");
  const auto whole = read_all(*bob, 1);
  ASSERT_GT(whole.size(), 200000U);
  std::string pulled;
  char buf[7000];
  for (std::size_t n; (n = bob->read_at(1, pulled.size(), buf, sizeof buf)) > 0;) {
    pulled.append(buf, n);
  }
  EXPECT_EQ(pulled, whole);
  // TOP-like partial read of another message, then back to the first one.
  EXPECT_EQ(bob->read_at(0, 0, buf, 5), 5U);
  EXPECT_EQ(std::string(buf, 5), "Subje");
  EXPECT_EQ(bob->read_at(1, 9, buf, 2), 2U);
  EXPECT_EQ(std::string(buf, 2), "h2");
}

TEST_F(StoreAdapter, ViewsShowTheirFeedsWithTheSameUidlsAndShareDeletions) {
  auto auth = make_auth();
  const auto full = uidls(*auth->open("alice"));
  auto lwn = auth->open("alice+lwn");
  const auto lwn_uidls = uidls(*lwn);
  ASSERT_EQ(lwn_uidls.size(), 3U);
  // The view is the full mailbox filtered: same UIDLs, same order.
  std::vector<std::string> expected;
  for (const auto& u : full) {
    if (std::find(lwn_uidls.begin(), lwn_uidls.end(), u) != lwn_uidls.end()) {
      expected.push_back(u);
    }
  }
  EXPECT_EQ(lwn_uidls, expected);
  EXPECT_EQ(uidls(*auth->open("alice+news")), full) << "the tag covers both feeds";

  lwn->commit({0, 2}); // QUIT in the view
  const auto after = uidls(*auth->open("alice"));
  EXPECT_EQ(after.size(), 3U);
  EXPECT_EQ(std::count(after.begin(), after.end(), lwn_uidls[0]), 0);
  EXPECT_EQ(std::count(after.begin(), after.end(), lwn_uidls[2]), 0);
  EXPECT_EQ(uidls(*auth->open("alice+lwn")), std::vector<std::string>{lwn_uidls[1]});
  EXPECT_EQ(auth->open("bob")->messages().size(), 2U) << "deletions are per user";
}

TEST_F(StoreAdapter, ReloadChangesNewLoginsOnlyAndOpenMaildropsKeepWorking) {
  auto auth = make_auth();
  auto open_before = auth->open("alice");
  auto c = make_config();
  c.users.erase("alice");
  UserConfig carol;
  carol.name = "carol";
  carol.password = "c";
  carol.all_feeds = false;
  carol.feeds = {"lwn"};
  c.users["carol"] = carol;
  auth->apply(std::make_shared<const Config>(c));
  EXPECT_FALSE(auth->lookup("alice"));
  EXPECT_THROW(auth->open("alice"), pop3::MaildropError);
  ASSERT_TRUE(auth->lookup("carol"));
  EXPECT_EQ(auth->open("carol")->messages().size(), 3U);
  EXPECT_EQ(read_all(*open_before, 0).substr(0, 11), "Subject: l1");
}

TEST_F(StoreAdapter, AReloadChangesTheFeedsOfLoginsResolvedBefore) {
  auto auth = make_auth();
  ASSERT_EQ(auth->open("alice")->messages().size(), 5U);
  ASSERT_EQ(auth->open("alice+news")->messages().size(), 5U);
  auto c = make_config();
  c.users["alice"].all_feeds = false;
  c.users["alice"].feeds = {"hn"};
  c.feeds["lwn"].tags = {};
  auth->apply(std::make_shared<const Config>(c));
  EXPECT_EQ(auth->open("alice")->messages().size(), 2U);
  EXPECT_EQ(auth->open("alice+news")->messages().size(), 2U);
}

TEST_F(StoreAdapter, ReaderStoresAreReusedAcrossSessions) {
  auto auth = make_auth();
  for (int i = 0; i < 5; ++i) {
    auto m = auth->open("alice");
    read_all(*m, 0);
  }
  EXPECT_EQ(opened_, 1);
  // Open sessions hold no connection between commands: many idle sessions share one.
  auto a = auth->open("alice");
  auto b = auth->open("bob");
  read_all(*a, 0);
  read_all(*b, 0);
  EXPECT_EQ(opened_, 1);
}

TEST_F(StoreAdapter, StorageFailuresBecomeMaildropErrors) {
  auto broken = std::make_shared<StoreAuthenticator>(
      [] { return storage::open_sqlite_store("/nonexistent-dir/x.db", storage::Role::reader); },
      std::make_shared<const Config>(make_config()));
  EXPECT_THROW(broken->open("alice"), pop3::MaildropError);

  auto auth = make_auth();
  auto alice = auth->open("alice");
  // Retention removes every lwn entry while the session is open: reading one is an error
  // the session reports as -ERR [SYS/TEMP], not a crash.
  writer_->purge_retention("lwn", std::nullopt, 0,
                           storage::Time(std::chrono::seconds(2'000'000'000)), {});
  EXPECT_THROW(read_all(*alice, 0), pop3::MaildropError);
}

TEST_F(StoreAdapter, PulledMessagesAreSharedThroughTheCacheAcrossSessions) {
  for (const std::size_t cache_bytes : {std::size_t{0}, std::size_t{1} << 20}) {
    SCOPED_TRACE(cache_bytes);
    SetUp(); // fresh entries for each round (the first round's purge removed them)
    auto auth = make_auth(make_config(), cache_bytes);
    auto first = auth->open("alice");
    auto second = auth->open("alice");
    const std::string bytes = pull_all(*first, 0);
    ASSERT_EQ(bytes.size(), first->messages()[0].size);
    // Retention removes the entry while both sessions are open. The second session still
    // lists it; with a cache it gets the same bytes without reading the store, without one
    // the read fails as a storage error.
    writer_->purge_retention("lwn", std::nullopt, 0,
                             storage::Time(std::chrono::seconds(2'000'000'000)), {});
    if (cache_bytes == 0) {
      EXPECT_THROW(pull_all(*second, 0), pop3::MaildropError);
    } else {
      EXPECT_EQ(pull_all(*second, 0), bytes);
    }
  }
}

TEST_F(StoreAdapter, LargeMessagesStreamFromTheStoreAtEachOffsetAndAreNotCached) {
  auto auth = make_auth();
  auto first = auth->open("bob");
  auto second = auth->open("bob");
  const std::string whole = pull_all(*first, 1, 16 * 1024);
  ASSERT_EQ(whole.size(), first->messages()[1].size);
  ASSERT_GT(whole.size(), 128U * 1024);
  // Reads at arbitrary offsets, out of order, as a client re-sending TOP and RETR would.
  char buf[3000];
  for (const std::uint64_t offset : {150'001ULL, 5ULL, 99'999ULL, whole.size() - 10ULL}) {
    const auto n = second->read_at(1, offset, buf, sizeof buf);
    EXPECT_EQ(std::string(buf, n), whole.substr(offset, sizeof buf)) << offset;
  }
  EXPECT_EQ(second->read_at(1, whole.size(), buf, sizeof buf), 0U);
  // Not kept in the cache: once retention removed it, nothing serves it any more.
  writer_->purge_retention("hn", std::nullopt, 0,
                           storage::Time(std::chrono::seconds(2'000'000'000)), {});
  EXPECT_THROW(second->read_at(1, 0, buf, sizeof buf), pop3::MaildropError);
}

TEST_F(StoreAdapter, OpenSnapshotsPinTheirEntriesUntilTheSessionEnds) {
  auto auth = make_auth(make_config(), 0); // no cache: every read goes to the store
  EXPECT_TRUE(auth->pinned_entries().empty());
  auto bob = auth->open("bob"); // h1, h2
  auto lwn = auth->open("alice+lwn");
  const auto ids = writer_->snapshot("alice", {"lwn", "hn"});
  ASSERT_EQ(ids.size(), 5U);
  std::vector<storage::EntryId> all;
  for (const auto& item : ids) {
    all.push_back(item.id);
  }
  EXPECT_EQ(auth->pinned_entries(), all);
  lwn.reset();
  const auto pinned = auth->pinned_entries();
  ASSERT_EQ(pinned.size(), 2U);
  // Retention as the fetcher runs it: what bob's open session lists survives and reads.
  const auto now = storage::Time(std::chrono::seconds(2'000'000'000));
  EXPECT_EQ(writer_->purge_retention("hn", std::nullopt, 0, now, auth->pinned_entries()), 0U);
  EXPECT_EQ(pull_all(*bob, 0).substr(0, 11), "Subject: h1");
  bob.reset();
  EXPECT_TRUE(auth->pinned_entries().empty());
  EXPECT_EQ(writer_->purge_retention("hn", std::nullopt, 0, now, auth->pinned_entries()), 2U);
  EXPECT_TRUE(auth->open("bob")->messages().empty());
}

TEST_F(StoreAdapter, PinsAreKeptConsistentUnderConcurrentLoginsAndLogouts) {
  auto auth = make_auth();
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      const auto pinned = auth->pinned_entries();
      EXPECT_TRUE(std::is_sorted(pinned.begin(), pinned.end()));
      EXPECT_LE(pinned.size(), 5U);
    }
  });
  std::vector<std::thread> sessions;
  for (int t = 0; t < 4; ++t) {
    sessions.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto m = auth->open(i % 2 == 0 ? "alice" : "bob");
        EXPECT_FALSE(m->messages().empty());
      }
    });
  }
  for (auto& t : sessions) {
    t.join();
  }
  done = true;
  reader.join();
  EXPECT_TRUE(auth->pinned_entries().empty());
}

TEST_F(StoreAdapter, ExpireDaysIsTheShortestRetention) {
  auto c = make_config();
  EXPECT_FALSE(make_auth(c)->expire_days());
  c.feeds["lwn"].retention = std::chrono::hours(24 * 14);
  c.feeds["hn"].retention = std::chrono::hours(24 * 3);
  EXPECT_EQ(make_auth(c)->expire_days(), 3U);
  c.feeds["hn"].retention = std::chrono::hours(5);
  EXPECT_EQ(make_auth(c)->expire_days(), 1U);
}

TEST_F(StoreAdapter, ARuleTagViewShowsTheTaggedMessagesOfConfiguredAndOwnFeeds) {
  auto tagged = [](const std::string& id) {
    NewEntry e = entry(id);
    e.message = "Subject: " + id + "\r\nKeywords: rust\r\n\r\nbody\r\n";
    e.tags = {"rust"};
    return e;
  };
  writer_->insert_entries("hn", {tagged("h3")}, state_for("hn"));
  storage::UserFeed mine;
  mine.owner = "alice";
  mine.key = "mine";
  mine.url = "http://127.0.0.1/mine";
  ASSERT_TRUE(writer_->add_user_feed(mine));
  const std::string own_key = user_feed_key("alice", "mine");
  writer_->insert_entries(own_key, {tagged("m1"), entry("m2")}, state_for(own_key));

  Config c = make_config();
  content::Rule feed_rule;
  feed_rule.action = content::RuleAction::tag;
  feed_rule.argument = "rust";
  c.feeds["hn"].rules = {feed_rule};
  auto view = make_auth(c)->open("alice+rust");
  ASSERT_EQ(view->messages().size(), 1U) << "hn's tagged message only";
  EXPECT_EQ(read_all(*view, 0).substr(0, 12), "Subject: h3\r");

  c.rules = {feed_rule}; // a global rule: alice's own feed may carry the tag too
  view = make_auth(c)->open("alice+rust");
  ASSERT_EQ(view->messages().size(), 2U);
  EXPECT_EQ(read_all(*view, 1).substr(0, 12), "Subject: m1\r");
  auto full = make_auth(c)->open("alice");
  const auto all = uidls(*full);
  for (const auto& uidl : uidls(*view)) {
    EXPECT_NE(std::find(all.begin(), all.end(), uidl), all.end()) << "same UIDLs as alice's";
  }
  EXPECT_FALSE(make_auth(c)->lookup("alice+go")) << "a tag nothing gives is no view";
}

} // namespace
} // namespace feedpop::gateway
