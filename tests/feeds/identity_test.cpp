#include "feeds/identity.hpp"

#include <chrono>
#include <gtest/gtest.h>

namespace feedpop::feeds {
namespace {

Entry entry(std::optional<std::string> id, std::optional<std::string> link,
            std::optional<std::string> title = std::nullopt) {
  Entry e;
  e.id = std::move(id);
  e.link = std::move(link);
  e.title = std::move(title);
  return e;
}

TEST(EntryIdentity, GuidWinsOverEverythingElse) {
  Feed f;
  f.entries = {entry("g1", "http://e/1")};
  EXPECT_EQ(entry_identities(f), std::vector<std::string>{"id:g1"});
}

TEST(EntryIdentity, LinkAndDateWhenThereIsNoGuid) {
  Feed f;
  f.entries = {entry(std::nullopt, "http://e/1")};
  f.entries[0].published = std::chrono::sys_seconds{std::chrono::seconds{86400}};
  EXPECT_EQ(entry_identities(f)[0], "link:http://e/1@1970-01-02T00:00:00Z");
}

TEST(EntryIdentity, UniqueLinkAloneButNeverARepeatedOne) {
  Feed f;
  f.entries = {entry(std::nullopt, "http://e/same", "a"), entry(std::nullopt, "http://e/same", "b"),
               entry(std::nullopt, "http://e/unique")};
  auto ids = entry_identities(f);
  EXPECT_EQ(ids[2], "link:http://e/unique");
  EXPECT_TRUE(ids[0].starts_with("hash:"));
  EXPECT_TRUE(ids[1].starts_with("hash:"));
  EXPECT_NE(ids[0], ids[1]); // different titles: two entries, not one
}

TEST(EntryIdentity, HashIsStableAcrossPollsAndOrder) {
  Feed a, b;
  a.entries = {entry(std::nullopt, std::nullopt, "x"), entry(std::nullopt, std::nullopt, "y")};
  b.entries = {a.entries[1], a.entries[0]};
  EXPECT_EQ(entry_identities(a)[0], entry_identities(b)[1]);
  EXPECT_EQ(entry_identities(a)[0].size(), 5u + 32u);
}

TEST(ContentHash, ChangesWhenWhatTheReaderSeesChanges) {
  Entry e = entry("g", "http://e/1", "Title");
  e.content_html = "<p>one</p>";
  std::string before = content_hash(e);
  EXPECT_EQ(before, content_hash(e));
  e.content_html = "<p>two</p>";
  EXPECT_NE(before, content_hash(e));
  Entry f = entry("g", "http://e/1", "Titl");
  f.content_html = "e<p>one</p>";
  EXPECT_NE(before, content_hash(f)); // field boundaries count
}

} // namespace
} // namespace feedpop::feeds
