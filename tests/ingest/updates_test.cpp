// on_update: redeliver end to end through plan_ingest and a real SQLite store, with the
// clock in the test's hands (ingest/updates.hpp); and the identity ladder at ingest.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "feeds/parse.hpp"
#include "ingest/ingest.hpp"
#include "mail/render.hpp"
#include "tests/support/http_test_server.hpp"
#include "tests/support/store_read.hpp"

namespace feedpop::ingest {
namespace {

using namespace std::chrono_literals;

struct Item {
  std::string guid;
  std::string title;
  std::string html;
  std::string link{};
  std::string date = "Mon, 03 Jun 2024 10:00:00 GMT";
};

std::string rss(const std::vector<Item>& items) {
  std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Blog</title>"
                    "<link>http://blog.example/</link>\n";
  for (const Item& i : items) {
    out += fmt::format("<item><guid>{}</guid><title>{}</title><link>{}</link><description><![CDATA["
                       "{}]]></description><pubDate>{}</pubDate></item>\n",
                       i.guid, i.title, i.link.empty() ? "http://blog.example/" + i.guid : i.link,
                       i.html, i.date);
  }
  return out + "</channel></rss>\n";
}

// n words "wNx", the ones in [from, from + changed) replaced.
std::string text(int n, int from = 0, int changed = 0, const std::string& tag = "new") {
  std::string out = "<p>";
  for (int i = 0; i < n; ++i) {
    out +=
        (i >= from && i < from + changed) ? fmt::format("{}{} ", tag, i) : fmt::format("w{}x ", i);
  }
  return out + "</p>";
}

std::string header(const std::string& message, const std::string& name) {
  const auto at = message.find("\r\n" + name + ": ");
  if (at == std::string::npos) {
    return {};
  }
  const auto start = at + name.size() + 4;
  return message.substr(start, message.find("\r\n", start) - start);
}

class UpdatesTest : public ::testing::Test {
protected:
  UpdatesTest() {
    config.key = "blog";
    config.url = "http://blog.example/feed";
    config.initial = std::nullopt;
    config.on_update = OnUpdate::redeliver;
  }
  // One poll of `document` at `now`: the messages it delivered.
  std::vector<std::string> poll(const std::string& document, storage::Time now) {
    auto parsed = feeds::parse(document, {});
    const auto& feed = std::get<feeds::Feed>(parsed);
    const auto known = store->known_entries("blog");
    IngestInput in;
    in.feed = &feed;
    in.config = &config;
    in.hostname = "feedpop.test";
    in.feed_url = config.url;
    in.known = &known;
    in.first_poll = known.empty();
    in.now = now;
    in.revisions = [&](const std::vector<std::string>& ids) {
      return store->entry_revisions("blog", ids);
    };
    const IngestPlan plan = plan_ingest(in);
    storage::FeedState state;
    state.key = "blog";
    store->insert_entries("blog", plan.entries, state);
    std::vector<std::string> out;
    for (const auto& e : plan.entries) {
      if (e.deliver) {
        out.push_back(e.message);
      }
    }
    return out;
  }
  std::vector<std::string> mailbox() {
    std::vector<std::string> out;
    for (const auto& item : store->snapshot("alice", {"blog"})) {
      out.push_back(storage::testing::read_whole(*store, item.id));
    }
    return out;
  }

  testing::TempDir dir{"feedpop-updates"};
  std::unique_ptr<storage::Store> store =
      storage::open_sqlite_store((dir.path / "feedpop.db").string(), storage::Role::writer);
  FeedOptions config;
  const storage::Time t0 = storage::Time(1'717'400'000s);
};

TEST_F(UpdatesTest, ASubstantialChangeIsMailedAsAReplyToTheOriginalWithANote) {
  ASSERT_EQ(poll(rss({{"p1", "Post", text(100)}}), t0).size(), 1U);
  const std::string original = mailbox()[0];
  const auto sent = poll(rss({{"p1", "Post", text(100, 10, 20)}}), t0 + 1h);
  ASSERT_EQ(sent.size(), 1U);
  const std::string& update = sent[0];
  EXPECT_EQ(header(update, "Subject"), "Updated: Post");
  EXPECT_EQ(header(update, "In-Reply-To"), header(original, "Message-ID"));
  EXPECT_EQ(header(update, "References"), header(original, "Message-ID"));
  EXPECT_NE(header(update, "Message-ID"), header(original, "Message-ID"));
  EXPECT_NE(update.find("Changed since the last mail: 20 words added, 20 removed"),
            std::string::npos)
      << update;
  const auto mail = mailbox();
  ASSERT_EQ(mail.size(), 2U);
  EXPECT_EQ(mail[0], original); // the original's bytes are untouched
}

TEST_F(UpdatesTest, CosmeticChangesSendNothingAndAreNotReconsidered) {
  poll(rss({{"p1", "Post",
             "<p>Updated 2024-06-03 10:00. Read https://x.example/a?id=1 now.</p>" + text(30)}}),
       t0);
  const std::string cosmetic =
      rss({{"p1", "Post",
            "<div>Updated <b>2024-06-04</b>   11:30.</div><div>Read <a "
            "href=\"https://x.example/a?id=1&amp;utm_medium=rss\">https://x.example/a?id=1&amp;"
            "utm_source=feed</a> now.</div>" +
                text(30),
            "", "Tue, 04 Jun 2024 11:30:00 GMT"}});
  EXPECT_TRUE(poll(cosmetic, t0 + 1h).empty());
  EXPECT_TRUE(poll(cosmetic, t0 + 30h).empty());
  EXPECT_EQ(mailbox().size(), 1U);
  // The stored hash moved on: the same document is not even a change any more.
  const auto parsed = feeds::parse(cosmetic, {});
  const auto known = store->known_entries("blog");
  IngestInput in;
  in.feed = &std::get<feeds::Feed>(parsed);
  in.config = &config;
  in.known = &known;
  EXPECT_EQ(plan_ingest(in).updated, 0U);
}

// Tags are what the rules gave each delivered version when it was stored: an update
// carries its own, the original keeps its own, a cosmetic change touches neither.
TEST_F(UpdatesTest, EachMailedVersionIsStoredWithTheTagsItsContentEarned) {
  content::Rule tag;
  tag.action = content::RuleAction::tag;
  tag.argument = "rust";
  tag.conditions = {{content::RuleField::content, "rust"}};
  config.rules = {tag};
  const auto tagged = [&] {
    std::vector<std::string> out;
    for (const auto& item : store->tag_view_snapshot("alice", {}, {"blog"}, "rust")) {
      out.push_back(header(storage::testing::read_whole(*store, item.id), "Subject"));
    }
    return out;
  };
  const auto first = poll(rss({{"p1", "Post", text(100, 0, 1, "rust")}}), t0);
  ASSERT_EQ(first.size(), 1U);
  EXPECT_EQ(header(first[0], "Keywords"), "rust");
  // Substantial, and the new text no longer names rust: the update is untagged.
  const auto plain = poll(rss({{"p1", "Post", text(100, 10, 20)}}), t0 + 1h);
  ASSERT_EQ(plain.size(), 1U);
  EXPECT_EQ(header(plain[0], "Keywords"), "");
  EXPECT_EQ(tagged(), (std::vector<std::string>{"Post"}));
  // The next day's update names rust again: tagged like its message.
  const auto again = poll(rss({{"p1", "Post", text(100, 0, 40, "rust")}}), t0 + 26h);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(header(again[0], "Keywords"), "rust");
  EXPECT_EQ(tagged(), (std::vector<std::string>{"Post", "Updated: Post"}));
  EXPECT_EQ(mailbox().size(), 3U);
}

TEST_F(UpdatesTest, ATitleChangeIsMailedWithTheOldTitle) {
  poll(rss({{"p1", "First title", text(50)}}), t0);
  const auto sent = poll(rss({{"p1", "Better title", text(50)}}), t0 + 1h);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(header(sent[0], "Subject"), "Updated: Better title");
  EXPECT_NE(sent[0].find("Title was: First title"), std::string::npos) << sent[0];
}

TEST_F(UpdatesTest, AtMostOneUpdatePerEntryPerDay) {
  poll(rss({{"p1", "Post", text(100)}}), t0);
  EXPECT_EQ(poll(rss({{"p1", "Post", text(100, 0, 20)}}), t0 + 1h).size(), 1U);
  // A second substantial change the same day: nothing, however often it is polled.
  const std::string second = rss({{"p1", "Post", text(100, 0, 20) + text(20, 0, 20, "more")}});
  EXPECT_TRUE(poll(second, t0 + 2h).empty());
  EXPECT_TRUE(poll(second, t0 + 20h).empty());
  // A day after the first update it goes out, measured against what was mailed then.
  const auto next_day = poll(second, t0 + 25h + 1min);
  ASSERT_EQ(next_day.size(), 1U);
  EXPECT_NE(next_day[0].find("20 words added, 0 removed"), std::string::npos) << next_day[0];
  EXPECT_EQ(mailbox().size(), 3U);
}

TEST_F(UpdatesTest, SmallEditsAddUpUntilTheyAreSubstantial) {
  poll(rss({{"p1", "Post", text(100)}}), t0);
  EXPECT_TRUE(poll(rss({{"p1", "Post", text(100, 0, 6)}}), t0 + 1h).empty());
  const auto sent = poll(rss({{"p1", "Post", text(100, 0, 12)}}), t0 + 2h);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_NE(sent[0].find("12 words added, 12 removed"), std::string::npos) << sent[0];
}

TEST_F(UpdatesTest, EntriesStoredBeforeTrackingOrNeverDeliveredGetNoSurpriseUpdate) {
  config.on_update = OnUpdate::ignore;
  config.initial = 1;
  poll(rss({{"p2", "Newer", text(40), "", "Tue, 04 Jun 2024 10:00:00 GMT"},
            {"p1", "Older", text(40)}}),
       t0);
  ASSERT_EQ(mailbox().size(), 1U); // p2; p1 is beyond `initial`
  config.on_update = OnUpdate::redeliver;
  // The first change of an entry stored without a revision only becomes the reference;
  // p1 never reached a mailbox, so its change is nobody's update.
  EXPECT_TRUE(poll(rss({{"p2", "Newer", text(40, 0, 20), "", "Tue, 04 Jun 2024 10:00:00 GMT"},
                        {"p1", "Older", text(40, 0, 20)}}),
                   t0 + 1h)
                  .empty());
  const auto sent =
      poll(rss({{"p2", "Newer post", text(40, 0, 20), "", "Tue, 04 Jun 2024 10:00:00 GMT"},
                {"p1", "Older post", text(40, 0, 20)}}),
           t0 + 2h);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(header(sent[0], "Subject"), "Updated: Newer post");
}

TEST_F(UpdatesTest, WithOnUpdateIgnoreNothingIsEverSent) {
  config.on_update = OnUpdate::ignore;
  poll(rss({{"p1", "Post", text(10)}}), t0);
  EXPECT_TRUE(poll(rss({{"p1", "Other title", text(10, 0, 10)}}), t0 + 48h).empty());
}

TEST_F(UpdatesTest, ReusedIdsDeliverEveryEntryOnceAndANewSiblingOnlyItself) {
  config.on_update = OnUpdate::ignore;
  const Item a{"same", "A", "<p>a</p>", "http://blog.example/a"};
  const Item b{"same", "B", "<p>b</p>", "http://blog.example/b"};
  const Item c{"same", "C", "<p>c</p>", "http://blog.example/c"};
  EXPECT_EQ(poll(rss({b}), t0).size(), 1U);
  EXPECT_EQ(poll(rss({a, b, b}), t0 + 1h).size(), 1U); // A; B's repeat collapses
  EXPECT_TRUE(poll(rss({a, b}), t0 + 2h).empty());
  const auto sent = poll(rss({c, a, b}), t0 + 3h);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(header(sent[0], "Subject"), "C");
  EXPECT_EQ(mailbox().size(), 3U);
}

} // namespace
} // namespace feedpop::ingest
