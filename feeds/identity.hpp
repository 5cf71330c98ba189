#pragma once
// An entry's stable identity within its feed (DESIGN.md "Stable identity"), computed at
// ingest. The rule, in order:
//   1. "id:" + guid / atom:id / rdf:about / JSON id, verbatim;
//   2. "link:" + link + "@" + date (published, else updated; YYYY-MM-DDTHH:MM:SSZ);
//   3. "link:" + link, only when no other entry of the same document shares that link;
//   4. "hash:" + 32 hex digits hashing title and content (content, else summary).
// Pure functions of the entries; stable across polls, restarts and releases.

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
