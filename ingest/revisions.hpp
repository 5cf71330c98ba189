#pragma once
// What counts as an update worth a message (feeds.*.on_update: redeliver): a reader does
// not want a mail because a date, a tracking parameter, white space or markup changed,
// only when the title changed or the text changed substantially.
//
// A revision is what a reader reads of one version of an entry: its title and the words of
// its text (content, else summary; markup gone; block elements separate words). Two
// revisions are compared word by word as multisets: `added` counts words of the new text
// not matched in the old one, `removed` the converse, so a replaced word is one added and
// one removed, and moving a sentence changes nothing. The change is substantial when the
// title's words differ, or when more than 10% of the words changed: max(added, removed) >
// 10% of the longer text's words. Words are compared exactly after their surrounding
// punctuation is trimmed; URLs lose tracking parameters (content/tracking.hpp); dates,
// times, plain numbers and month and weekday names are not counted at all.
// Pure functions.

#include <cstddef>
#include <string>
#include <string_view>

#include "feeds/entry.hpp"

namespace feedpop::ingest {

// The revision of an entry as stored (storage::NewEntry::revision): the title on the first
// line, then the text with white space collapsed.
std::string revision_of(const feeds::Entry& entry);

struct Change {
  bool title_changed = false;
  std::string old_title;
  std::size_t added = 0;   // words
  std::size_t removed = 0; // words
  std::size_t words = 0;   // counted words of the longer version
  bool substantial() const;
};

Change compare_revisions(std::string_view before, std::string_view after);

// The line an update's message shows above the new content, e.g. "Title was: Old title;
// 12 words added, 3 removed".
std::string change_summary(const Change& change);

} // namespace feedpop::ingest
