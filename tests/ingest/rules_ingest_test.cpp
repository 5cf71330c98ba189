// Rules at ingest (content/rules.hpp through ingest::plan_ingest): what is stored and how
// the stored messages read, on the rules fixture feed.

#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <sstream>
#include <variant>

#include "feeds/parse.hpp"
#include "ingest/ingest.hpp"

namespace feedpop::ingest {
namespace {

using content::Rule;
using content::RuleAction;
using content::RuleField;

feeds::Feed fixture_feed() {
  std::ifstream in(std::string(FEEDPOP_SOURCE_DIR) +
                       "/tests/content/fixtures/rules_blog_with_ads_and_comments.xml",
                   std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  auto parsed = feeds::parse(body.str());
  EXPECT_TRUE(std::holds_alternative<feeds::Feed>(parsed));
  return std::get<feeds::Feed>(std::move(parsed));
}

Rule rule(RuleAction action, std::vector<content::RuleCondition> conditions,
          std::string argument = "") {
  Rule r;
  r.action = action;
  r.conditions = std::move(conditions);
  r.argument = std::move(argument);
  return r;
}

// The message with quoted-printable soft line breaks removed, so phrases can be found.
std::string unfolded(const std::string& message) {
  std::string out;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else {
      out += message[i];
    }
  }
  return out;
}

struct Planned {
  IngestPlan plan;
  // Delivered messages by title word: the unfolded message.
  std::string message_with(const std::string& needle) const {
    for (const auto& e : plan.entries) {
      if (e.deliver && unfolded(e.message).find(needle) != std::string::npos) {
        return unfolded(e.message);
      }
    }
    return "";
  }
};

Planned plan_with(
    std::vector<Rule> rules, std::vector<std::string> exclude = {},
    std::function<std::map<std::size_t, Body>(const std::vector<std::size_t>&)> bodies = nullptr) {
  static const feeds::Feed feed = fixture_feed();
  static const std::vector<std::pair<std::string, std::string>> known;
  FeedOptions options;
  options.key = "notes";
  options.rules = std::move(rules);
  options.exclude = std::move(exclude);
  IngestInput in;
  in.feed = &feed;
  in.config = &options;
  in.hostname = "feedpop.test";
  in.feed_url = "https://notes.example.org/feed.xml";
  in.known = &known;
  in.now = std::chrono::sys_seconds{std::chrono::seconds{1'800'000'000}};
  in.bodies = std::move(bodies);
  return {plan_ingest(in)};
}

TEST(RulesAtIngest, SkippedAndUnkeptEntriesAreStoredAsSeenButNotDelivered) {
  const Planned p = plan_with({rule(RuleAction::keep, {{RuleField::category, "rust|databases"}})},
                              {"^sponsored"});
  ASSERT_EQ(p.plan.entries.size(), 4u);
  EXPECT_EQ(p.plan.delivered, 2u);
  for (const auto& e : p.plan.entries) {
    EXPECT_EQ(e.deliver, !e.message.empty()) << e.identity;
  }
  EXPECT_NE(p.message_with("Subject: Rust 1.80 released"), "");
  EXPECT_NE(p.message_with("Subject: SQLite WAL mode explained"), "");
  EXPECT_EQ(p.message_with("Weekly links"), "");
}

TEST(RulesAtIngest, TagsBecomeTheMessagesKeywordsField) {
  const Planned p = plan_with({rule(RuleAction::tag, {{RuleField::author, "ada"}}, "ada"),
                               rule(RuleAction::tag, {{RuleField::category, "rust"}}, "rust")});
  EXPECT_NE(p.message_with("Subject: Rust 1.80").find("\r\nKeywords: ada, rust\r\n"),
            std::string::npos);
  EXPECT_NE(p.message_with("Subject: Weekly links").find("\r\nKeywords: ada\r\n"),
            std::string::npos);
  EXPECT_EQ(p.message_with("Subject: SQLite").find("Keywords:"), std::string::npos);
  // The same tags go to the store with each entry (tag views select on them).
  for (const auto& e : p.plan.entries) {
    const std::string m = unfolded(e.message);
    const auto at = m.find("\r\nKeywords: ");
    const std::string keywords =
        at == std::string::npos ? "" : m.substr(at + 12, m.find("\r\n", at + 2) - at - 12);
    std::string joined;
    for (const auto& tag : e.tags) {
      joined += (joined.empty() ? "" : ", ") + tag;
    }
    EXPECT_EQ(joined, keywords) << e.identity;
  }
  EXPECT_NE(p.message_with("Subject: Weekly links"), "") << "a tagged entry was checked";
}

TEST(RulesAtIngest, StripAndReplaceShapeTheMailedBodyAndSubject) {
  Rule fix_title = rule(RuleAction::replace, {}, "^sponsored: ");
  fix_title.target = RuleField::title;
  fix_title.replacement = "[ad] ";
  Rule rename = rule(RuleAction::replace, {}, "LazyCell");
  rename.replacement = "OnceCell";
  const Planned p =
      plan_with({rule(RuleAction::strip, {}, "div.ad, #comments"), fix_title, rename});
  const std::string rust = p.message_with("Subject: Rust 1.80");
  ASSERT_NE(rust, "");
  EXPECT_EQ(rust.find("faster laptop"), std::string::npos);
  EXPECT_EQ(rust.find("First!"), std::string::npos);
  EXPECT_EQ(rust.find("LazyCell"), std::string::npos);
  EXPECT_NE(rust.find("OnceCell"), std::string::npos);
  EXPECT_NE(rust.find("Upgrade with rustup"), std::string::npos);
  EXPECT_NE(p.message_with("Subject: [ad] Try CloudDB"), "");
}

TEST(RulesAtIngest, StripAppliesToAFetchedArticleAndDropsTheImagesItRemoved) {
  const auto article = [](const std::vector<std::size_t>& wanted) {
    std::map<std::size_t, Body> out;
    for (const std::size_t i : wanted) {
      Body b;
      b.html = "<p>Article text <img src=\"https://notes.example.org/chart.png\"></p>"
               "<div class=\"ad\"><img src=\"https://ads.example.com/banner.png\"></div>";
      for (const char* name : {"chart", "banner"}) {
        mail::InlineImage image;
        image.url = std::string(name) == "chart" ? "https://notes.example.org/chart.png"
                                                 : "https://ads.example.com/banner.png";
        image.content_id = std::string(name) + "@test";
        image.type = "image/png";
        image.bytes = std::string("PNG-") + name;
        b.images.push_back(std::move(image));
      }
      out.emplace(i, std::move(b));
    }
    return out;
  };
  const Planned stripped = plan_with({rule(RuleAction::strip, {}, "div.ad")}, {}, article);
  const std::string m = stripped.message_with("Subject: Rust 1.80");
  EXPECT_NE(m.find("Article text"), std::string::npos);
  EXPECT_NE(m.find("Content-ID: <chart@test>"), std::string::npos);
  EXPECT_EQ(m.find("banner"), std::string::npos);
  const Planned plain = plan_with({}, {}, article);
  EXPECT_NE(plain.message_with("Subject: Rust 1.80").find("Content-ID: <banner@test>"),
            std::string::npos);
}

TEST(RulesAtIngest, RulesLeaveTheContentHashThatOfTheFeedsEntry) {
  const Planned plain = plan_with({});
  const Planned ruled = plan_with({rule(RuleAction::strip, {}, "div")});
  ASSERT_EQ(plain.plan.entries.size(), ruled.plan.entries.size());
  for (std::size_t i = 0; i < plain.plan.entries.size(); ++i) {
    EXPECT_EQ(plain.plan.entries[i].content_hash, ruled.plan.entries[i].content_hash);
  }
}

// `feedpop render --feed` reports through IngestInput::rules_seen what the rules did.
TEST(RulesAtIngest, TheRulesObserverSeesSkippedEntriesAndTheRewritesOfDeliveredOnes) {
  static const feeds::Feed feed = fixture_feed();
  const std::vector<std::pair<std::string, std::string>> known;
  FeedOptions options;
  options.key = "notes";
  options.rules = {rule(RuleAction::skip, {{RuleField::title, "^Sponsored"}}),
                   rule(RuleAction::strip, {}, "div.ad")};
  IngestInput in;
  in.feed = &feed;
  in.config = &options;
  in.feed_url = "https://notes.example.org/feed.xml";
  in.known = &known;
  std::map<std::size_t, std::pair<content::RuleVerdict, std::vector<content::RewriteCount>>> seen;
  in.rules_seen = [&seen](std::size_t i, const content::RuleVerdict& verdict,
                          const std::vector<content::RewriteCount>& counts) {
    EXPECT_TRUE(seen.emplace(i, std::make_pair(verdict, counts)).second) << "twice: " << i;
  };
  const IngestPlan plan = plan_ingest(in);
  ASSERT_EQ(seen.size(), feed.entries.size());
  EXPECT_EQ(plan.delivered, feed.entries.size() - 1);
  for (const auto& [i, outcome] : seen) {
    const std::string title = feed.entries.at(i).title.value_or("");
    const auto& [verdict, counts] = outcome;
    if (title.starts_with("Sponsored")) {
      EXPECT_FALSE(verdict.deliver);
      EXPECT_EQ(verdict.skipped_by, std::optional<std::size_t>(0));
      EXPECT_TRUE(counts.empty());
    } else {
      EXPECT_TRUE(verdict.deliver) << title;
      ASSERT_EQ(counts.size(), 1u) << title;
      EXPECT_EQ(counts[0].rule, 1u);
      // The Rust entry has two div.ad (one inside the comments), the others none.
      EXPECT_EQ(counts[0].count, title.starts_with("Rust") ? 2u : 0u) << title;
    }
  }
}

} // namespace
} // namespace feedpop::ingest
