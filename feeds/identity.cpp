// Entry identity (feeds/identity.hpp): the base rule, then the ladder for entries of one
// document that share a base identity. Base rule, in order:
//   1. "id:" + guid / atom:id / rdf:about / JSON id, verbatim (RSS 2.0 guid, RFC 4287 §4.2.6);
//   2. "link:" + link + "@" + date (published, else updated, as YYYY-MM-DDTHH:MM:SSZ);
//   3. "link:" + link, only when no other entry of the same document has that link
//      (feeds that reuse one link for every item would otherwise collapse into one mail);
//   4. "hash:" + a hash of title and content (content, else summary).
// The ladder qualifies the base with "\tlink:" + link or "\thash:" + content hash. A tab
// never occurs in a base identity that matters: XML and JSON ids with tabs are not seen in
// practice, and the qualifier only applies within one group of same-base entries.
#include "feeds/identity.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "feeds/dates.hpp"

namespace feedpop::feeds {

namespace {

// Two independent 64-bit FNV-1a streams: 128 bits, stable across platforms and releases
// (std::hash is neither). Not cryptographic; collisions need deliberate effort.
class Hasher {
public:
  void add(std::string_view s) {
    for (unsigned char c : s) {
      a_ = (a_ ^ c) * 0x100000001b3ULL;
      b_ = (b_ ^ c) * 0x100000001b3ULL;
      b_ ^= b_ >> 29;
    }
    // A field separator that cannot occur in UTF-8 text, so ("ab","c") != ("a","bc").
    a_ = (a_ ^ 0xFFu) * 0x100000001b3ULL;
    b_ = (b_ ^ 0xFFu) * 0x100000001b3ULL;
  }
  void add(const std::optional<std::string>& s) { add(s ? std::string_view(*s) : "\xFE"); }
  std::string hex() const {
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a_),
                  static_cast<unsigned long long>(b_));
    return buf;
  }

private:
  std::uint64_t a_ = 0xcbf29ce484222325ULL;
  std::uint64_t b_ = 0x84222325cbf29ce4ULL;
};

} // namespace

namespace {

// Rules 1–4 for every entry of the document.
std::vector<std::string> base_identities(const Feed& feed) {
  std::unordered_map<std::string_view, int> link_count;
  for (const Entry& e : feed.entries) {
    if (e.link) {
      ++link_count[*e.link];
    }
  }
  std::vector<std::string> ids;
  ids.reserve(feed.entries.size());
  for (const Entry& e : feed.entries) {
    if (e.id) {
      ids.push_back("id:" + *e.id);
    } else if (e.link && (e.published || e.updated)) {
      ids.push_back("link:" + *e.link + "@" + iso8601_utc(e.published ? *e.published : *e.updated));
    } else if (e.link && link_count[*e.link] == 1) {
      ids.push_back("link:" + *e.link);
    } else {
      Hasher h;
      h.add(e.title);
      h.add(e.content_html ? e.content_html : e.summary_html);
      ids.push_back("hash:" + h.hex());
    }
  }
  return ids;
}

constexpr char qualifier = '\t'; // base identity | rung of the ladder

// One distinct entry of a group: its content hash and the ladder's candidates.
struct Rung {
  std::string hash;
  std::optional<std::string_view> link;
  std::optional<std::string> by_link; // base \t link: link
  std::string by_hash;                // base \t hash: content hash
  std::string chosen;
};

// Assigns identities to the entries of one document sharing the base identity `base`
// (`members`, document order): see identity.hpp for the rules.
void resolve_group(const Feed& feed, const std::string& base,
                   const std::vector<std::size_t>& members, const KnownIdentities& known,
                   std::vector<std::string>& ids) {
  std::vector<Rung> rungs;            // one per distinct content hash, first seen first
  std::vector<std::size_t> of_member; // members[i] is rungs[of_member[i]]
  std::unordered_map<std::string_view, int> links; // among the distinct entries
  for (const std::size_t m : members) {
    std::string hash = content_hash(feed.entries[m]);
    std::size_t r = 0;
    while (r < rungs.size() && rungs[r].hash != hash) {
      ++r;
    }
    of_member.push_back(r);
    if (r < rungs.size()) {
      continue; // an identical repeat
    }
    Rung rung;
    if (const auto& link = feed.entries[m].link) {
      rung.link = *link;
      rung.by_link = base + qualifier + "link:" + *link;
      ++links[*link];
    }
    rung.by_hash = base + qualifier + "hash:" + hash;
    rung.hash = std::move(hash);
    rungs.push_back(std::move(rung));
  }
  std::unordered_set<std::string> claimed;
  std::size_t open = rungs.size();
  const auto claim = [&](Rung& r, const std::string& id) {
    if (r.chosen.empty() && claimed.insert(id).second) {
      r.chosen = id;
      --open;
    }
  };
  const auto stored = [&](const std::string& id) { return known.find(id); };
  // 1. An identity stored with exactly this content (the entry as last polled).
  for (Rung& r : rungs) {
    if (const auto k = stored(base); k != known.end() && k->second == r.hash) {
      claim(r, base);
    }
    if (r.by_link) {
      if (const auto k = stored(*r.by_link); k != known.end() && k->second == r.hash) {
        claim(r, *r.by_link);
      }
    }
    if (stored(r.by_hash) != known.end()) {
      claim(r, r.by_hash);
    }
  }
  // 2. An entry edited since: its link-qualified identity is stored.
  for (Rung& r : rungs) {
    if (r.by_link && stored(*r.by_link) != known.end()) {
      claim(r, *r.by_link);
    }
  }
  // 3. The stored base identity, when only one entry is left that can be it.
  if (open == 1 && stored(base) != known.end()) {
    for (Rung& r : rungs) {
      claim(r, base);
    }
  }
  // 4. New entries: the base when the group is one entry, else the ladder.
  for (Rung& r : rungs) {
    if (rungs.size() == 1) {
      claim(r, base);
    } else if (r.link && links[*r.link] == 1) {
      claim(r, *r.by_link);
    }
    claim(r, r.by_hash); // distinct content hashes: never taken by another entry
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    ids[members[i]] = rungs[of_member[i]].chosen;
  }
}

} // namespace

std::vector<std::string> entry_identities(const Feed& feed, const KnownIdentities& known) {
  std::vector<std::string> ids = base_identities(feed);
  // Fast path: a feed that never needed the ladder and has no same-base entries now.
  const bool ladder_known = std::any_of(known.begin(), known.end(), [](const auto& k) {
    return k.first.find(qualifier) != std::string_view::npos;
  });
  std::map<std::string, std::vector<std::size_t>> groups;
  {
    std::unordered_map<std::string_view, int> count;
    for (const std::string& id : ids) {
      ++count[id];
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ladder_known || count[ids[i]] > 1) {
        groups[ids[i]].push_back(i);
      }
    }
  }
  for (const auto& [base, members] : groups) {
    resolve_group(feed, base, members, known, ids);
  }
  return ids;
}

std::string content_hash(const Entry& entry) {
  Hasher h;
  h.add(entry.title);
  h.add(entry.link);
  h.add(entry.content_html);
  h.add(entry.summary_html);
  for (const Enclosure& e : entry.enclosures) {
    h.add(std::string_view(e.url));
    h.add(e.type);
    h.add(std::string_view(e.length ? std::to_string(*e.length) : std::string("-")));
  }
  return h.hex();
}

} // namespace feedpop::feeds
