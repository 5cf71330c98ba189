// Rule tag views: the Keywords field of stored messages, read from a real SQLite store.

#include "gateway/tag_views.hpp"

#include <gtest/gtest.h>

#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

storage::NewEntry entry(const std::string& id, const std::string& headers,
                        std::size_t body_size = 64) {
  storage::NewEntry e;
  e.identity = id;
  e.content_hash = "h-" + id;
  e.message = "Subject: " + id + "\r\n" + headers + "\r\n" + std::string(body_size, 'x') + "\r\n";
  return e;
}

storage::FeedState state_for(const std::string& key) {
  storage::FeedState s;
  s.key = key;
  s.url = s.config_url = "http://127.0.0.1/" + key;
  return s;
}

std::vector<std::string> ids(storage::Store& store,
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

TEST(TagViews, KeywordsAreReadFromTheHeaderOnlyUnfoldedAndSplitAtCommas) {
  EXPECT_EQ(message_keywords("Subject: x\r\nKeywords: rust, must-read\r\n\r\nKeywords: body\r\n"),
            (std::vector<std::string>{"rust", "must-read"}));
  EXPECT_EQ(message_keywords("keywords: a,\r\n b\r\nKEYWORDS: c\r\n\r\n"),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(message_keywords("Subject: Keywords: no\r\nX-Keywords: no\r\n\r\n").empty());
  EXPECT_TRUE(message_keywords("").empty());
}

TEST(TagViews, OnlyTheTaggedFeedsMessagesAreFilteredByTheirKeywords) {
  test::TempDir dir;
  auto store =
      storage::open_sqlite_store((dir.path() / "feedpop.db").string(), storage::Role::writer);
  // A header longer than one read (4 KiB) still finds the field after it.
  const std::string long_field = "X-Long: " + std::string(6000, 'y') + "\r\n";
  store->insert_entries("blog",
                        {entry("b1", "Keywords: rust\r\n"), entry("b2", ""),
                         entry("b3", long_field + "Keywords: go, rust\r\n"),
                         entry("b4", "Keywords: rusty\r\n", 10000)},
                        state_for("blog"));
  store->insert_entries("news", {entry("n1", ""), entry("n2", "Keywords: rust\r\n")},
                        state_for("news"));
  auto items = store->snapshot("alice", {"blog", "news"});
  ASSERT_EQ(items.size(), 6u);
  const auto tagged = select_tagged(*store, items, {"blog"}, "rust");
  EXPECT_EQ(ids(*store, tagged), (std::vector<std::string>{"b1", "b3", "n1", "n2"}));
  EXPECT_EQ(ids(*store, select_tagged(*store, items, {"blog", "news"}, "rust")),
            (std::vector<std::string>{"b1", "b3", "n2"}));
  EXPECT_TRUE(select_tagged(*store, items, {"blog", "news"}, "none").empty());
}

} // namespace
} // namespace feedpop::gateway
