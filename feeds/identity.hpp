#pragma once
// An entry's stable identity within its feed (DESIGN.md "Stable identity"), computed at
// ingest: guid/id, else link + date, else link, else a hash of title + content. The
// link alone is used only when no other entry of the same document shares it.

#include <string>
#include <vector>

#include "feeds/entry.hpp"

namespace feedpop::feeds {

// Identities for every entry of one parsed document, in order. Entries with the same
// identity in one document are duplicates (the first wins at ingest).
std::vector<std::string> entry_identities(const Feed& feed);

// Hash of what a reader sees (title, link, content, summary, enclosures): an entry whose
// identity is known but whose hash changed was updated.
std::string content_hash(const Entry& entry);

} // namespace feedpop::feeds
