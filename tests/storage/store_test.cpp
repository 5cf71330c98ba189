#include "storage/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "storage/sqlite_db.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/backends.hpp"
#include "tests/storage/temp_dir.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;
using testing::read_whole;
using testing::TempDir;

NewEntry entry(const std::string& identity, bool deliver = true) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = "h-" + identity;
  e.message = deliver ? "Subject: " + identity + "\r\n\r\nbody of " + identity + "\r\n" : "";
  e.deliver = deliver;
  return e;
}

FeedState state_for(const std::string& key) {
  FeedState s;
  s.key = key;
  s.url = "https://example.org/" + key;
  s.config_url = s.url;
  return s;
}

std::vector<std::string> uidls(const std::vector<MailboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.push_back(i.uidl);
  }
  return out;
}

std::vector<EntryId> ids(const std::vector<MailboxItem>& items) {
  std::vector<EntryId> out;
  for (const auto& i : items) {
    out.push_back(i.id);
  }
  return out;
}

// Every test runs on SQLite and on PostgreSQL (StoreTest/sqlite, StoreTest/postgresql).
class StoreTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  Time clock_now = Time(std::chrono::seconds(1'700'000'000));
  std::unique_ptr<Store> store;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    store = open();
  }
  bool sqlite() const { return GetParam() == Backend::sqlite; }
  std::unique_ptr<Store> open(Role role = Role::writer) {
    StoreOptions options;
    options.clock = [this] { return clock_now; };
    return db.open(role, options);
  }
  std::vector<bool> insert(const std::string& feed, const std::vector<NewEntry>& entries) {
    return store->insert_entries(feed, entries, state_for(feed));
  }
};

TEST_P(StoreTest, InsertReportsWhichEntriesWereNewAndReinsertingIsANoOp) {
  EXPECT_EQ(insert("lwn", {entry("a"), entry("b")}), (std::vector<bool>{true, true}));
  EXPECT_EQ(insert("lwn", {entry("b"), entry("c"), entry("c")}),
            (std::vector<bool>{false, true, false}));
  EXPECT_EQ(store->snapshot("alice", {"lwn"}).size(), 3u);
}

TEST_P(StoreTest, UndeliveredEntriesAreRememberedButNeverShown) {
  EXPECT_EQ(insert("lwn", {entry("old", false), entry("new")}), (std::vector<bool>{true, true}));
  const auto box = store->snapshot("alice", {"lwn"});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box[0].uidl, derive_uidl("lwn", "new"));
  // Seen once without delivery: a later poll listing it (even deliverable) is not new.
  EXPECT_EQ(insert("lwn", {entry("old", true)}), std::vector<bool>{false});
  EXPECT_EQ(store->known_entries("lwn").size(), 2u);
  EXPECT_EQ(store->snapshot("alice", {"lwn"}).size(), 1u);
}

TEST_P(StoreTest, MessageBytesAndSizeAreStoredExactly) {
  NewEntry e = entry("x");
  e.message = std::string("Subject: bin\r\n\r\n\0\x01\xff", 19);
  insert("lwn", {e});
  const auto box = store->snapshot("alice", {"lwn"});
  ASSERT_EQ(box.size(), 1u);
  EXPECT_EQ(box[0].size, e.message.size());
  EXPECT_EQ(box[0].feed_key, "lwn");
  EXPECT_EQ(read_whole(*store, box[0].id), e.message);
}

TEST_P(StoreTest, ReadAtServesAnyOffsetAndReturnsZeroAtTheEnd) {
  NewEntry e = entry("big");
  e.message.assign(100'000, 'x');
  for (std::size_t i = 0; i < e.message.size(); i += 7) {
    e.message[i] = static_cast<char>('a' + i % 26);
  }
  insert("lwn", {e});
  const EntryId id = store->snapshot("alice", {"lwn"}).at(0).id;
  EXPECT_EQ(read_whole(*store, id, 4096), e.message);
  char buf[1000];
  EXPECT_EQ(store->read_at(id, 54'321, buf, sizeof buf), sizeof buf);
  EXPECT_EQ(std::string(buf, sizeof buf), e.message.substr(54'321, sizeof buf));
  EXPECT_EQ(store->read_at(id, 99'990, buf, sizeof buf), 10u);
  EXPECT_EQ(std::string(buf, 10), e.message.substr(99'990));
  EXPECT_EQ(store->read_at(id, 100'000, buf, sizeof buf), 0u);
  EXPECT_EQ(store->read_at(id, 1'000'000'000'000, buf, sizeof buf), 0u);
}

TEST_P(StoreTest, ReadingAnUnknownMessageThrowsStoreError) {
  EXPECT_THROW(read_whole(*store, 12345), StoreError);
}

TEST_P(StoreTest, MailboxFollowsArrivalOrderAcrossFeeds) {
  insert("a", {entry("1")});
  insert("b", {entry("2")});
  insert("a", {entry("3")});
  const auto box = store->snapshot("alice", {"b", "a"});
  EXPECT_EQ(uidls(box), (std::vector<std::string>{derive_uidl("a", "1"), derive_uidl("b", "2"),
                                                  derive_uidl("a", "3")}));
  EXPECT_TRUE(std::is_sorted(box.begin(), box.end(),
                             [](const auto& x, const auto& y) { return x.id < y.id; }));
}

TEST_P(StoreTest, UidlsArePrintableBoundedAndUniqueInAMailbox) {
  // Same identity in two feeds, and identities that only differ by the split point.
  insert("a", {entry("x"), entry("ab"), entry(std::string(5000, 'z'))});
  insert("b", {entry("x")});
  insert("ax", {entry("b")});
  const auto box = store->snapshot("alice", {"a", "b", "ax"});
  ASSERT_EQ(box.size(), 5u);
  auto all = uidls(box);
  for (const auto& u : all) {
    EXPECT_GE(u.size(), 1u);
    EXPECT_LE(u.size(), 70u);
    EXPECT_TRUE(std::all_of(u.begin(), u.end(), [](char c) { return c >= 0x21 && c <= 0x7e; }));
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST_P(StoreTest, UidlsSurviveRestartRefetchUrlChangeAndVacuum) {
  insert("lwn", {entry("a"), entry("b")});
  const auto before = uidls(store->snapshot("alice", {"lwn"}));
  store.reset();
  if (sqlite()) {
    sqlite::Database raw(db.sqlite_path());
    raw.exec("VACUUM");
  }
  store = open();
  FeedState moved = state_for("lwn");
  moved.url = "https://new.example.org/feed";
  EXPECT_EQ(store->insert_entries("lwn", {entry("b"), entry("a")}, moved),
            (std::vector<bool>{false, false}));
  EXPECT_EQ(uidls(store->snapshot("alice", {"lwn"})), before);
  // And a different database that sees the entries in another order agrees.
  const BackendDatabase other(GetParam());
  auto second = other.open(Role::writer);
  second->insert_entries("lwn", {entry("z"), entry("b"), entry("a")}, state_for("lwn"));
  auto again = uidls(second->snapshot("alice", {"lwn"}));
  EXPECT_EQ(again[1], before[1]);
  EXPECT_EQ(again[2], before[0]);
}

TEST_P(StoreTest, SubscriptionsAreJustFeedListsAndDeletionsSurviveResubscribing) {
  insert("a", {entry("1"), entry("2")});
  insert("b", {entry("3")});
  EXPECT_EQ(store->snapshot("alice", {"a"}).size(), 2u);
  // Subscribing later shows b's stored entries.
  auto box = store->snapshot("alice", {"a", "b"});
  ASSERT_EQ(box.size(), 3u);
  store->commit_deletions("alice", {box[0].id, box[2].id});
  // Unsubscribing b hides it; resubscribing does not resurrect the deleted entry.
  EXPECT_EQ(uidls(store->snapshot("alice", {"a"})),
            (std::vector<std::string>{derive_uidl("a", "2")}));
  EXPECT_EQ(uidls(store->snapshot("alice", {"a", "b"})),
            (std::vector<std::string>{derive_uidl("a", "2")}));
  // Other users are unaffected; no feeds means an empty mailbox.
  EXPECT_EQ(store->snapshot("bob", {"a", "b"}).size(), 3u);
  EXPECT_TRUE(store->snapshot("alice", {}).empty());
  EXPECT_TRUE(store->snapshot("alice", {"unknown"}).empty());
}

TEST_P(StoreTest, DeletionsAreIdempotentAndIgnoreUnknownIds) {
  insert("a", {entry("1"), entry("2"), entry("3")});
  const auto box = store->snapshot("alice", {"a"});
  store->commit_deletions("alice", {box[1].id, box[1].id, 999999});
  store->commit_deletions("alice", {box[1].id});
  EXPECT_EQ(ids(store->snapshot("alice", {"a"})), (std::vector<EntryId>{box[0].id, box[2].id}));
  // A QUIT without DELE commits nothing and creates no user.
  store->commit_deletions("carol", {});
  EXPECT_EQ(store->user_counts("carol", {"a"}).visible, 3u);
}

TEST_P(StoreTest, DeletionsAreVisibleToOtherConnectionsOnlyOnceCommitted) {
  insert("a", {entry("1"), entry("2")});
  auto reader = open(Role::reader);
  const auto box = reader->snapshot("alice", {"a"});
  // A session's marks live in the session until QUIT; the store only sees the commit.
  EXPECT_EQ(store->snapshot("alice", {"a"}).size(), 2u);
  reader->commit_deletions("alice", {box[0].id});
  EXPECT_EQ(ids(store->snapshot("alice", {"a"})), std::vector<EntryId>{box[1].id});
}

TEST_P(StoreTest, NewMailIsAppendedAfterWhatTheClientSaw) {
  insert("a", {entry("1")});
  const auto first = store->snapshot("alice", {"a", "b"});
  insert("b", {entry("2")});
  insert("a", {entry("3")});
  const auto second = store->snapshot("alice", {"a", "b"});
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second[0].uidl, first[0].uidl);
}

TEST_P(StoreTest, PurgeUserForgetsOnlyThatUsersDeletions) {
  insert("a", {entry("1"), entry("2")});
  const auto box = store->snapshot("alice", {"a"});
  store->commit_deletions("alice", {box[0].id});
  store->commit_deletions("bob", {box[1].id});
  store->purge_user("alice");
  EXPECT_EQ(store->snapshot("alice", {"a"}).size(), 2u);
  EXPECT_EQ(ids(store->snapshot("bob", {"a"})), std::vector<EntryId>{box[0].id});
  store->purge_user("nobody"); // unknown user: nothing to do
  EXPECT_EQ(store->user_counts("bob", {"a"}).deleted, 1u);
  if (sqlite()) {
    sqlite::Database raw(db.sqlite_path());
    EXPECT_EQ(raw.pragma_int("SELECT COUNT(*) FROM deletions"), 1);
  }
}

TEST_P(StoreTest, FeedStateRoundTripsEveryField) {
  FeedState s = state_for("lwn");
  s.config_url = "https://old.example.org/";
  s.etag = "\"abc\"";
  s.last_modified = "Tue, 01 Jan 2030 00:00:00 GMT";
  s.last_status = "error";
  s.http_code = 503;
  s.last_error = "Service Unavailable";
  s.consecutive_failures = 4;
  s.last_poll = Time(std::chrono::seconds(100));
  s.last_success = Time(std::chrono::seconds(50));
  s.next_poll = Time(std::chrono::seconds(200));
  s.failing_since = Time(std::chrono::seconds(60));
  s.failure_notified = true;
  s.redirect_to = "https://elsewhere.example.org/";
  s.redirect_seen = 2;
  s.disabled = true;
  store->save_feed_state(s);
  const auto back = store->feed_state("lwn");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->etag, s.etag);
  EXPECT_EQ(back->last_modified, s.last_modified);
  EXPECT_EQ(back->http_code, s.http_code);
  EXPECT_EQ(back->last_error, s.last_error);
  EXPECT_EQ(back->consecutive_failures, 4);
  EXPECT_EQ(back->last_poll, s.last_poll);
  EXPECT_EQ(back->last_success, s.last_success);
  EXPECT_EQ(back->next_poll, s.next_poll);
  EXPECT_EQ(back->failing_since, s.failing_since);
  EXPECT_TRUE(back->failure_notified);
  EXPECT_EQ(back->redirect_to, s.redirect_to);
  EXPECT_EQ(back->redirect_seen, 2);
  EXPECT_TRUE(back->disabled);
  EXPECT_EQ(back->url, s.url);
  EXPECT_EQ(back->config_url, s.config_url);
  EXPECT_EQ(back->last_status, "error");
  s.etag.reset();
  s.http_code.reset();
  store->save_feed_state(s);
  EXPECT_FALSE(store->feed_state("lwn")->etag.has_value());
  EXPECT_FALSE(store->feed_state("lwn")->http_code.has_value());
  EXPECT_FALSE(store->feed_state("other").has_value());
  EXPECT_EQ(store->feed_states().size(), 1u);
}

TEST_P(StoreTest, CountsReportStoredVisibleAndDeleted) {
  insert("a", {entry("1"), entry("2"), entry("3", false)});
  insert("b", {entry("4")});
  const auto box = store->snapshot("alice", {"a", "b"});
  store->commit_deletions("alice", {box[0].id});
  const auto feeds = store->feed_counts();
  ASSERT_EQ(feeds.size(), 2u);
  EXPECT_EQ(feeds[0].key, "a");
  EXPECT_EQ(feeds[0].entries, 2u);
  EXPECT_EQ(feeds[1].entries, 1u);
  const auto alice = store->user_counts("alice", {"a", "b"});
  EXPECT_EQ(alice.visible, 2u);
  EXPECT_EQ(alice.deleted, 1u);
  EXPECT_EQ(store->user_counts("alice", {"b"}).deleted, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
