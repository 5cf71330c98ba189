// What counts as a substantial change of an entry (ingest/revisions.hpp).
#include "ingest/revisions.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace feedpop::ingest {
namespace {

feeds::Entry entry(std::string title, std::string html) {
  feeds::Entry e;
  e.title = std::move(title);
  e.content_html = std::move(html);
  return e;
}

// "w0 w1 … w(n-1)" with words [from, from+changed) replaced by "new0 new1 …".
std::string words(int n, int from = 0, int changed = 0) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += (i >= from && i < from + changed) ? fmt::format("new{} ", i) : fmt::format("w{}x ", i);
  }
  return out;
}

Change compare(const feeds::Entry& a, const feeds::Entry& b) {
  return compare_revisions(revision_of(a), revision_of(b));
}

TEST(Revisions, TheRevisionIsTheTitleLineAndTheTextWithoutMarkup) {
  EXPECT_EQ(revision_of(entry("  A\n title ", "<p>One <b>bold</b>move.</p><p>Two</p>")),
            "A title\nOne boldmove. Two");
  feeds::Entry summary_only;
  summary_only.summary_html = "Only&nbsp;a summary";
  EXPECT_EQ(revision_of(summary_only), "\nOnly a summary");
}

TEST(Revisions, MarkupWhiteSpaceDatesAndTrackingParametersAreCosmetic) {
  const feeds::Entry before =
      entry("Release notes",
            "<p>Published 2024-06-01 10:00 UTC. See https://example.org/notes?id=7 for details "
            "of the release on Monday, June 3rd.</p>");
  const feeds::Entry after =
      entry("Release  notes",
            "<div><em>Published</em>   2024-06-02 11:30 UTC.</div><div>See "
            "<a href=\"https://example.org/x?utm_source=feed\">https://example.org/notes?id=7&amp;"
            "utm_source=rss&amp;fbclid=abc</a> for details of the release on Tuesday, July "
            "4th.</div>");
  const Change c = compare(before, after);
  EXPECT_FALSE(c.title_changed);
  EXPECT_EQ(c.added, 0U);
  EXPECT_EQ(c.removed, 0U);
  EXPECT_FALSE(c.substantial());
}

TEST(Revisions, ATitleChangeIsSubstantialAndNamesTheOldTitle) {
  const Change c = compare(entry("Old title", "<p>text</p>"), entry("New title", "<p>text</p>"));
  EXPECT_TRUE(c.title_changed);
  EXPECT_TRUE(c.substantial());
  EXPECT_EQ(change_summary(c), "Title was: Old title");
}

TEST(Revisions, MoreThanTenPercentOfTheWordsIsSubstantialTenPercentIsNot) {
  const feeds::Entry base = entry("T", words(100));
  const Change ten = compare(base, entry("T", words(100, 40, 10)));
  EXPECT_EQ(ten.added, 10U);
  EXPECT_EQ(ten.removed, 10U);
  EXPECT_FALSE(ten.substantial());
  const Change eleven = compare(base, entry("T", words(100, 40, 11)));
  EXPECT_TRUE(eleven.substantial());
  EXPECT_EQ(change_summary(eleven), "11 words added, 11 removed");
  // Appending: 12 new words on 100 are 12 of the 112 the new version has.
  const Change appended = compare(base, entry("T", words(100) + " " + words(12, 0, 12)));
  EXPECT_EQ(appended.added, 12U);
  EXPECT_EQ(appended.removed, 0U);
  EXPECT_TRUE(appended.substantial());
}

TEST(Revisions, MovingAParagraphChangesNoWord) {
  const Change c = compare(entry("T", "<p>first part here</p><p>second part there</p>"),
                           entry("T", "<p>second part there</p><p>first part here</p>"));
  EXPECT_EQ(c.added + c.removed, 0U);
}

TEST(Revisions, BlockElementsSeparateWordsInlineOnesDoNot) {
  const Change c = compare(entry("T", "<p>alpha</p><p>beta</p>"), entry("T", "<p>alpha beta</p>"));
  EXPECT_EQ(c.added + c.removed, 0U);
  const Change d = compare(entry("T", "un<em>believ</em>able"), entry("T", "unbelievable"));
  EXPECT_EQ(d.added + d.removed, 0U);
}

TEST(Revisions, TheSummaryCountsInTheSingularToo) {
  Change c;
  c.added = 1;
  c.removed = 0;
  EXPECT_EQ(change_summary(c), "1 word added, 0 removed");
  c.title_changed = true;
  c.old_title = "Before";
  EXPECT_EQ(change_summary(c), "Title was: Before; 1 word added, 0 removed");
}

} // namespace
} // namespace feedpop::ingest
