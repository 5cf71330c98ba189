// Rule tag views (gateway/tag_views.hpp) on a real SQLite store: the tags stored with the
// entries at ingest select the messages; the messages themselves are not read.

#include "gateway/tag_views.hpp"

#include <gtest/gtest.h>

#include "gateway/user_feeds.hpp"
#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

storage::NewEntry entry(const std::string& id, std::vector<std::string> tags = {},
                        const std::string& headers = "") {
  storage::NewEntry e;
  e.identity = id;
  e.content_hash = "h-" + id;
  e.message = "Subject: " + id + "\r\n" + headers + "\r\nbody\r\n";
  e.tags = std::move(tags);
  return e;
}

storage::FeedState state_for(const std::string& key) {
  storage::FeedState s;
  s.key = key;
  s.url = s.config_url = "http://127.0.0.1/" + key;
  return s;
}

std::vector<std::string> subjects(storage::Store& store,
                                  const std::vector<storage::MailboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    char buf[64];
    const std::size_t n = store.read_at(item.id, 9, buf, sizeof buf);
    const std::string rest(buf, n);
    out.push_back(rest.substr(0, rest.find('\r')));
  }
  return out;
}

class TagViews : public ::testing::Test {
protected:
  test::TempDir dir;
  std::unique_ptr<storage::Store> store =
      storage::open_sqlite_store((dir.path() / "feedpop.db").string(), storage::Role::writer);
  Config config; // no digests
};

TEST_F(TagViews, TheStoredTagsSelectTheTaggedFeedsMessagesNotTheirKeywordsFields) {
  // b2's Keywords field names rust but its entry was stored without the tag: the stored
  // tags decide (they are what ingest gave the entry), so no message is read at login.
  store->insert_entries("blog",
                        {entry("b1", {"rust"}), entry("b2", {}, "Keywords: rust\r\n"),
                         entry("b3", {"go", "rust"}), entry("b4", {"rusty"})},
                        state_for("blog"));
  store->insert_entries("news", {entry("n1"), entry("n2", {"rust"})}, state_for("news"));
  MailboxView view{"alice", "rust", {"news"}, {"blog"}};
  ASSERT_TRUE(is_rule_tag_view(view));
  EXPECT_EQ(subjects(*store, tag_view_items(*store, config, view)),
            (std::vector<std::string>{"b1", "b3", "n1", "n2"}));
  view.feed_keys.clear();
  view.tagged_feed_keys = {"blog", "news"};
  EXPECT_EQ(subjects(*store, tag_view_items(*store, config, view)),
            (std::vector<std::string>{"b1", "b3", "n2"}));
  view.view = "none";
  EXPECT_TRUE(tag_view_items(*store, config, view).empty());
}

TEST_F(TagViews, GlobalRulesTagTheUsersOwnFeedsToo) {
  storage::UserFeed mine;
  mine.owner = "alice";
  mine.key = "mine";
  mine.url = "http://127.0.0.1/mine";
  ASSERT_TRUE(store->add_user_feed(mine));
  const std::string own_key = user_feed_key("alice", "mine");
  store->insert_entries(own_key, {entry("m1", {"rust"}), entry("m2")}, state_for(own_key));
  store->insert_entries("blog", {entry("b1", {"rust"})}, state_for("blog"));

  MailboxView view{"alice", "rust", {}, {"blog"}};
  EXPECT_EQ(subjects(*store, tag_view_items(*store, config, view)),
            (std::vector<std::string>{"b1"}));
  view.own_feeds_tagged = true;
  EXPECT_EQ(subjects(*store, tag_view_items(*store, config, view)),
            (std::vector<std::string>{"m1", "b1"}));
  // With a user digest, alice's own feeds reach her only in it; digests carry no tags.
  UserConfig alice;
  alice.name = "alice";
  alice.digest = DigestSetting{};
  config.users["alice"] = alice;
  EXPECT_EQ(subjects(*store, tag_view_items(*store, config, view)),
            (std::vector<std::string>{"b1"}));
  MailboxView bobs{"bob", "rust", {}, {}, true};
  ASSERT_TRUE(is_rule_tag_view(bobs)) << "bob may add feeds the global rules tag";
  EXPECT_TRUE(tag_view_items(*store, config, bobs).empty()) << "but alice's are not his";
  EXPECT_FALSE(is_rule_tag_view(MailboxView{"alice", "lwn", {"lwn"}}));
}

} // namespace
} // namespace feedpop::gateway
