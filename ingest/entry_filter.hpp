#pragma once
// A feed's include / exclude filters: RE2 patterns (linear-time, no recursion: entry text
// is untrusted and unbounded), case-insensitive, searched in an entry's title and in the
// text of its content (or summary).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "feeds/entry.hpp"

namespace re2 {
class RE2;
}

namespace feedpop::ingest {

// Why `pattern` cannot be a filter (RE2's message), or nullopt when it compiles.
std::optional<std::string> filter_pattern_error(const std::string& pattern);

class EntryFilter {
public:
  // Patterns that do not compile are skipped (configuration checks reject them first).
  EntryFilter(const std::vector<std::string>& include, const std::vector<std::string>& exclude);
  ~EntryFilter();
  EntryFilter(EntryFilter&&) noexcept;
  EntryFilter& operator=(EntryFilter&&) noexcept;

  bool empty() const { return include_.empty() && exclude_.empty(); }
  // Delivered: no include patterns or one of them matches, and no exclude pattern matches.
  bool accepts(const feeds::Entry& entry) const;

private:
  std::vector<std::unique_ptr<re2::RE2>> include_;
  std::vector<std::unique_ptr<re2::RE2>> exclude_;
};

} // namespace feedpop::ingest
