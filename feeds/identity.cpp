// Entry identity (feeds/identity.hpp). The rule, in order:
//   1. "id:" + guid / atom:id / rdf:about / JSON id, verbatim (RSS 2.0 guid, RFC 4287 §4.2.6);
//   2. "link:" + link + "@" + date (published, else updated, as YYYY-MM-DDTHH:MM:SSZ);
//   3. "link:" + link, only when no other entry of the same document has that link
//      (feeds that reuse one link for every item would otherwise collapse into one mail);
//   4. "hash:" + a hash of title and content (content, else summary).
// Identities are stable across polls: they depend on nothing but the entry's own fields.
#include "feeds/identity.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <unordered_map>

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

std::vector<std::string> entry_identities(const Feed& feed) {
  std::unordered_map<std::string, int> link_count;
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
