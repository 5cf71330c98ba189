// The identity ladder (feeds/identity.hpp): entries of one document that reuse an id are
// told apart, identical repeats collapse, and stored identities survive later polls.
#include <algorithm>
#include <deque>
#include <gtest/gtest.h>
#include <set>

#include "feeds/identity.hpp"
#include "tests/feeds/fixture_support.hpp"

namespace feedpop::feeds {
namespace {

using testing::parse_fixture;

// What ingest would have stored after a poll: every identity with its content hash.
class Stored {
public:
  void add(const Feed& feed, const std::vector<std::string>& ids) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!known_.contains(ids[i])) {
        strings_.push_back(ids[i]);
        const std::string_view id = strings_.back();
        strings_.push_back(content_hash(feed.entries[i]));
        known_.emplace(id, strings_.back());
      }
    }
  }
  // The identities of a poll of `feed`, stored afterwards.
  std::vector<std::string> poll(const Feed& feed) {
    auto ids = entry_identities(feed, known_);
    add(feed, ids);
    return ids;
  }
  const KnownIdentities& known() const { return known_; }

private:
  std::deque<std::string> strings_; // stable addresses for the views
  KnownIdentities known_;
};

std::size_t distinct(const std::vector<std::string>& ids) {
  return std::set<std::string>(ids.begin(), ids.end()).size();
}

Entry post(std::string id, std::string link, std::string title) {
  Entry e;
  e.id = std::move(id);
  e.link = std::move(link);
  e.title = title;
  e.content_html = "<p>" + title + " text</p>";
  return e;
}

TEST(IdentityLadder, OneGuidOnEveryItemStillGivesOneIdentityPerPost) {
  const Feed feed = parse_fixture("reused_guid_every_item.xml");
  ASSERT_EQ(feed.entries.size(), 4U);
  const auto ids = entry_identities(feed);
  EXPECT_EQ(distinct(ids), 4U);
  for (const auto& id : ids) {
    // Same link on every item: the ladder's last rung, id + content hash.
    EXPECT_TRUE(id.starts_with("id:http://school.example/news/\thash:")) << id;
  }
}

TEST(IdentityLadder, GuidsRepeatedOnLaterPostsAreToldApartByLink) {
  const Feed feed = parse_fixture("reused_guid_across_posts.xml");
  ASSERT_EQ(feed.entries.size(), 5U);
  const auto ids = entry_identities(feed);
  EXPECT_EQ(distinct(ids), 5U);
  EXPECT_EQ(ids[1], "id:http://notes.example/2024/06/02#a2"); // a guid used once: unchanged
  EXPECT_EQ(ids[0],
            "id:http://notes.example/2024/06/01#a1\tlink:http://notes.example/2024/06/03#a1");
  EXPECT_EQ(ids[2],
            "id:http://notes.example/2024/06/01#a1\tlink:http://notes.example/2024/06/01#a1");
}

TEST(IdentityLadder, AnAtomIdCopiedOntoSixEntriesGivesSixIdentities) {
  const Feed feed = parse_fixture("atom_id_copied.xml");
  ASSERT_EQ(feed.entries.size(), 6U);
  const auto ids = entry_identities(feed);
  EXPECT_EQ(distinct(ids), 6U);
  EXPECT_EQ(ids[3], "id:tag:listings.example,2003:1\tlink:http://listings.example/item4.html");
}

TEST(IdentityLadder, IdenticalRepeatsCollapseAndADifferentPostDoesNot) {
  const Feed feed = parse_fixture("identical_repeats.xml");
  ASSERT_EQ(feed.entries.size(), 4U);
  const auto ids = entry_identities(feed);
  EXPECT_EQ(ids[0], ids[1]); // verbatim repeat
  EXPECT_EQ(ids[0], ids[2]); // only the date differs: what the reader sees is the same
  EXPECT_NE(ids[0], ids[3]);
  EXPECT_EQ(distinct(ids), 2U);
}

TEST(IdentityLadder, AFeedWithoutReusedIdsKeepsItsBaseIdentities) {
  Feed feed;
  feed.entries = {post("a", "http://e/a", "A"), post("b", "http://e/b", "B")};
  Stored stored;
  EXPECT_EQ(stored.poll(feed), (std::vector<std::string>{"id:a", "id:b"}));
  feed.entries[0].title = "A, edited";
  EXPECT_EQ(stored.poll(feed), (std::vector<std::string>{"id:a", "id:b"}));
}

TEST(IdentityLadder, TheSameDocumentPolledAgainGivesTheSameIdentities) {
  for (const char* name : {"reused_guid_every_item.xml", "reused_guid_across_posts.xml",
                           "atom_id_copied.xml", "identical_repeats.xml"}) {
    const Feed feed = parse_fixture(name);
    Stored stored;
    const auto first = stored.poll(feed);
    EXPECT_EQ(stored.poll(feed), first) << name;
    EXPECT_EQ(entry_identities(feed), first) << name; // and without the store, too
  }
}

TEST(IdentityLadder, AnEntryGainingASameIdSiblingKeepsItsStoredIdentity) {
  Feed feed;
  feed.entries = {post("x", "http://e/old", "Old post")};
  Stored stored;
  EXPECT_EQ(stored.poll(feed)[0], "id:x");
  // A newer post reusing the id appears on top; then another one.
  feed.entries.insert(feed.entries.begin(), post("x", "http://e/new", "New post"));
  auto ids = stored.poll(feed);
  EXPECT_EQ(ids[1], "id:x");
  EXPECT_EQ(ids[0], "id:x\tlink:http://e/new");
  feed.entries.insert(feed.entries.begin(), post("x", "http://e/newer", "Newer post"));
  const auto three = stored.poll(feed);
  EXPECT_EQ(three[1], ids[0]);
  EXPECT_EQ(three[2], ids[1]);
  EXPECT_EQ(distinct(three), 3U);
}

TEST(IdentityLadder, AddingAnEntryWithTheSameIdAndLinkChangesNoOtherIdentity) {
  Feed feed;
  feed.entries = {post("x", "http://e/1", "One"), post("x", "http://e/2", "Two")};
  Stored stored;
  const auto before = stored.poll(feed);
  // The new entry shares the first one's link: neither is unique by link any more.
  feed.entries.push_back(post("x", "http://e/1", "One again, different"));
  const auto after = stored.poll(feed);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(after[1], before[1]);
  EXPECT_TRUE(after[2].starts_with("id:x\thash:")) << after[2];
  EXPECT_EQ(distinct(after), 3U);
}

TEST(IdentityLadder, AnEditedEntryOfAGroupKeepsItsIdentity) {
  Feed feed;
  feed.entries = {post("x", "http://e/1", "One"), post("x", "http://e/2", "Two")};
  Stored stored;
  const auto before = stored.poll(feed);
  feed.entries[1].content_html = "<p>Two, rewritten</p>";
  EXPECT_EQ(stored.poll(feed), before);
  // The stored plain id of an entry that gained a sibling survives an edit, too.
  Feed single;
  single.entries = {post("y", "http://e/y1", "Y1")};
  Stored other;
  other.poll(single);
  single.entries.push_back(post("y", "http://e/y2", "Y2"));
  const auto grown = other.poll(single);
  single.entries[0].content_html = "<p>Y1, edited</p>";
  EXPECT_EQ(other.poll(single), grown);
  EXPECT_EQ(grown[0], "id:y");
}

TEST(IdentityLadder, AnEntryWhoseSiblingsLeftTheDocumentKeepsItsIdentity) {
  Feed feed;
  feed.entries = {post("x", "http://e/1", "One"), post("x", "http://e/2", "Two")};
  Stored stored;
  const auto before = stored.poll(feed);
  feed.entries.erase(feed.entries.begin());
  EXPECT_EQ(stored.poll(feed)[0], before[1]);
}

TEST(IdentityLadder, AnIdStoredBeforeTheLadderStaysWithItsEntry) {
  // Earlier releases kept the first of a group under the plain id and dropped the rest:
  // that entry keeps its identity (no second delivery), the others become new ones.
  Feed feed;
  feed.entries = {post("x", "http://e/1", "One"), post("x", "http://e/2", "Two"),
                  post("x", "http://e/3", "Three")};
  Feed first_only;
  first_only.entries = {feed.entries[0]};
  Stored stored;
  stored.add(first_only, {"id:x"});
  const auto ids = stored.poll(feed);
  EXPECT_EQ(ids[0], "id:x");
  EXPECT_EQ(distinct(ids), 3U);
}

} // namespace
} // namespace feedpop::feeds
