// Rule tags stored with entries (store.hpp NewEntry::tags, Store::tag_view_snapshot) on
// SQLite and PostgreSQL: what a tag view `alice+TAG` lists, and how ingest-time tags live
// through revisions, digests and retention.
#include <gtest/gtest.h>

#include <map>

#include "storage/store.hpp"
#include "storage/uidl.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using testing::Backend;
using testing::BackendDatabase;

NewEntry entry(const std::string& identity, std::vector<std::string> tags = {}) {
  NewEntry e;
  e.identity = identity;
  e.content_hash = "h-" + identity;
  e.message = "Subject: " + identity + "\r\n\r\nbody\r\n";
  e.tags = std::move(tags);
  return e;
}

class EntryTagsTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  std::unique_ptr<Store> store;
  std::map<std::string, std::string> names_; // UIDL → "feed:identity"

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    StoreOptions options;
    options.clock = [] { return Time(std::chrono::seconds(1'700'000'000)); };
    store = db.open(Role::writer, options);
  }
  void insert(const std::string& feed, const std::vector<NewEntry>& entries) {
    FeedState s;
    s.key = feed;
    store->insert_entries(feed, entries, s);
    for (const NewEntry& e : entries) {
      names_[derive_uidl(feed, e.identity)] = feed + ":" + e.identity;
    }
  }
  std::vector<std::string> names(const std::vector<MailboxItem>& items) {
    std::vector<std::string> out;
    for (const MailboxItem& item : items) {
      out.push_back(names_.count(item.uidl) ? names_[item.uidl] : "?" + item.uidl);
    }
    return out;
  }
  std::vector<std::string> view(const std::string& user, const std::vector<std::string>& feeds,
                                const std::vector<std::string>& tagged, const std::string& tag) {
    return names(store->tag_view_snapshot(user, feeds, tagged, tag));
  }
};

TEST_P(EntryTagsTest, AViewListsItsFeedsAndTheTaggedEntriesOfTaggedFeedsInArrivalOrder) {
  insert("blog", {entry("b1", {"rust"}), entry("b2")});
  insert("news", {entry("n1"), entry("n2", {"rust"})});
  insert("blog", {entry("b3", {"go", "rust"}), entry("b4", {"Rust", "rusty"})});
  insert("other", {entry("o1", {"rust"})});
  insert("news", {entry("n3")});
  EXPECT_EQ(view("alice", {"news"}, {"blog"}, "rust"),
            (std::vector<std::string>{"blog:b1", "news:n1", "news:n2", "blog:b3", "news:n3"}));
  EXPECT_EQ(view("alice", {}, {"blog", "news", "other"}, "rust"),
            (std::vector<std::string>{"blog:b1", "news:n2", "blog:b3", "other:o1"}))
      << "tags match exactly, as the login names them";
  EXPECT_EQ(view("alice", {}, {"blog"}, "go"), (std::vector<std::string>{"blog:b3"}));
  EXPECT_TRUE(view("alice", {}, {"blog", "news"}, "none").empty());
  EXPECT_TRUE(view("alice", {}, {}, "rust").empty());
  EXPECT_TRUE(view("alice", {}, {"unknown"}, "rust").empty());
}

TEST_P(EntryTagsTest, AViewHasTheFullMailboxsUidlsSizesAndDeletionsAndListsEachEntryOnce) {
  insert("blog", {entry("b1", {"rust"}), entry("b2"), entry("b3", {"rust"})});
  const auto full = store->snapshot("alice", {"blog"});
  ASSERT_EQ(full.size(), 3U);
  const auto tagged = store->tag_view_snapshot("alice", {}, {"blog"}, "rust");
  ASSERT_EQ(tagged.size(), 2U);
  for (const auto& [i, j] : {std::pair{0, 0}, std::pair{1, 2}}) {
    EXPECT_EQ(tagged[i].id, full[j].id);
    EXPECT_EQ(tagged[i].uidl, full[j].uidl);
    EXPECT_EQ(tagged[i].size, full[j].size);
    EXPECT_EQ(tagged[i].feed_key, "blog");
  }
  // A feed both shown whole and tagged: each entry once, as snapshot() lists it.
  const auto both = store->tag_view_snapshot("alice", {"blog"}, {"blog"}, "rust");
  ASSERT_EQ(both.size(), full.size());
  for (std::size_t i = 0; i < both.size(); ++i) {
    EXPECT_EQ(both[i].id, full[i].id);
  }
  store->commit_deletions("alice", {full[0].id, full[1].id});
  EXPECT_EQ(view("alice", {}, {"blog"}, "rust"), (std::vector<std::string>{"blog:b3"}));
  EXPECT_EQ(view("alice", {"blog"}, {}, "rust"), (std::vector<std::string>{"blog:b3"}));
  EXPECT_EQ(view("bob", {}, {"blog"}, "rust"), (std::vector<std::string>{"blog:b1", "blog:b3"}))
      << "deletions are per user";
}

TEST_P(EntryTagsTest, ARevisionKeepsTheTagsAndAnUndeliveredEntryHasNone) {
  NewEntry unseen = entry("u1", {"rust"});
  unseen.deliver = false;
  unseen.message.clear();
  insert("blog", {entry("b1", {"rust"}), unseen});
  NewEntry revised = entry("b1");
  revised.content_hash = "h2";
  revised.revises = true;
  revised.deliver = false;
  revised.message.clear();
  insert("blog", {revised}); // a cosmetic change: the stored entry and its tags stay
  EXPECT_EQ(view("alice", {}, {"blog"}, "rust"), (std::vector<std::string>{"blog:b1"}));
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM entry_tags"), 1);
}

TEST_P(EntryTagsTest, RetentionRemovesThePurgedEntriesTags) {
  insert("blog", {entry("b1", {"rust"}), entry("b2", {"rust", "go"}), entry("b3", {"rust"})});
  ASSERT_EQ(store->purge_retention("blog", std::nullopt, 1, Time{}, {}), 2U);
  EXPECT_EQ(view("alice", {}, {"blog"}, "rust"), (std::vector<std::string>{"blog:b3"}));
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM entry_tags"), 1);
}

TEST_P(EntryTagsTest, ADigestsMessagesKeepTheTagsTheyAreStoredWith) {
  insert("blog", {entry("b1", {"rust"})});
  NewEntry tagged = entry("period-1", {"rust"});
  NewEntry plain = entry("period-2");
  ASSERT_TRUE(store->store_digest("digest:alice", "p1", {tagged, plain}, {}));
  names_[derive_uidl("digest:alice", "period-1")] = "digest:period-1";
  EXPECT_EQ(view("alice", {}, {"digest:alice", "blog"}, "rust"),
            (std::vector<std::string>{"blog:b1", "digest:period-1"}));
  EXPECT_EQ(store->snapshot("alice", {"digest:alice"}).size(), 2U);
}

TEST_P(EntryTagsTest, AReaderSeesTheTagsTheWriterStored) {
  insert("blog", {entry("b1"), entry("b2", {"rust"})});
  auto reader = db.open(Role::reader);
  EXPECT_EQ(names(reader->tag_view_snapshot("alice", {}, {"blog"}, "rust")),
            (std::vector<std::string>{"blog:b2"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, EntryTagsTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
