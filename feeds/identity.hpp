#pragma once
// An entry's stable identity within its feed (DESIGN.md "Stable identity"), computed at
// ingest. Every entry first gets its base identity, the first rule that applies:
//   1. "id:" + guid / atom:id / rdf:about / JSON id, verbatim;
//   2. "link:" + link + "@" + date (published, else updated; YYYY-MM-DDTHH:MM:SSZ);
//   3. "link:" + link, only when no other entry of the same document shares that link;
//   4. "hash:" + 32 hex digits hashing title and content (content, else summary).
// Feeds reuse ids (one guid on every item, an <id> copied onto six entries), so entries of
// one document that share a base identity but differ (content_hash() differs: link,
// title, content, summary or enclosures) are told apart by the identity ladder:
//   base + "\tlink:" + link, when no other of those entries has that link, else
//   base + "\thash:" + content_hash();
// truly identical repeats (same content_hash) keep one identity and collapse into one.
// Identities already stored are kept across polls: an entry whose base or qualified
// identity is known (with its stored content hash, or as the only candidate left) keeps
// it, so an entry gaining a same-id sibling keeps its plain base identity, and adding an
// entry to the document never changes the identities of the others. Entries of a feed that
// never reused an id keep their base identity (rules 1–4, unchanged).
// Pure functions of the document and the known identities; no I/O.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "feeds/entry.hpp"

namespace feedpop::feeds {

// The identities stored for a feed, each with its stored content hash.
using KnownIdentities = std::unordered_map<std::string_view, std::string_view>;

// Identities for every entry of one parsed document, in order. Entries with the same
// identity in one document are identical repeats (the first wins at ingest). `known`:
// what is already stored for the feed (empty for a document seen for the first time).
std::vector<std::string> entry_identities(const Feed& feed, const KnownIdentities& known = {});

// Hash of what a reader sees (title, link, content, summary, enclosures): an entry whose
// identity is known but whose hash changed was updated. 32 hex digits.
std::string content_hash(const Entry& entry);

} // namespace feedpop::feeds
