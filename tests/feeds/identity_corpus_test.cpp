// No entry of the shared corpus is lost to a reused id: two entries of one document get
// the same identity only when a reader sees the same thing (title, link, text, summary,
// enclosures). Skipped without ../shared (FEEDPOP_SHARED_DIR overrides it).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <variant>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"

namespace feedpop::feeds {
namespace {

namespace fs = std::filesystem;

using Visible =
    std::tuple<std::optional<std::string>, std::optional<std::string>, std::optional<std::string>,
               std::optional<std::string>, std::vector<std::string>>;

Visible visible(const Entry& e) {
  std::vector<std::string> enclosures;
  for (const Enclosure& x : e.enclosures) {
    enclosures.push_back(x.url);
  }
  return {e.title, e.link, e.content_html, e.summary_html, enclosures};
}

TEST(IdentityCorpus, NoEntryOfTheSharedCorpusIsLostToAReusedId) {
  const char* env_shared = std::getenv("FEEDPOP_SHARED_DIR"); // e.g. from a worktree
  const fs::path shared = env_shared != nullptr ? env_shared : FEEDPOP_SHARED_DIR;
  const fs::path corpus = shared / "corpus" / "feeds";
  if (!fs::exists(corpus)) {
    GTEST_SKIP() << "no shared corpus at " << corpus;
  }
  std::size_t files = 0;
  std::size_t entries = 0;
  std::size_t messages = 0;
  std::size_t reusing = 0; // files where different entries share a base identity
  std::size_t repeats = 0; // identical repeats collapsed
  for (const auto& item : fs::recursive_directory_iterator(corpus)) {
    if (!item.is_regular_file()) {
      continue;
    }
    std::ifstream in(item.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    const auto parsed = parse(body.str(), {"file://" + item.path().string(), ""});
    const auto* feed = std::get_if<Feed>(&parsed);
    if (feed == nullptr) {
      continue;
    }
    ++files;
    entries += feed->entries.size();
    const auto ids = entry_identities(*feed);
    std::map<std::string, Visible> by_id;
    std::map<std::string, std::set<Visible>> by_base;
    std::size_t lost = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const Visible v = visible(feed->entries[i]);
      const auto [it, fresh] = by_id.emplace(ids[i], v);
      if (!fresh && it->second != v) {
        ++lost;
        ADD_FAILURE() << item.path() << ": entry " << i << " collapses into " << ids[i];
      } else if (!fresh) {
        ++repeats;
      }
      by_base[ids[i].substr(0, ids[i].find('\t'))].insert(v);
    }
    messages += by_id.size();
    reusing += std::any_of(by_base.begin(), by_base.end(),
                           [](const auto& b) { return b.second.size() > 1; })
                   ? 1
                   : 0;
    EXPECT_EQ(lost, 0U) << item.path();
  }
  ASSERT_GT(files, 500U);
  // Before the ladder, 22 files lost entries this way (e.g. 4 → 1, 9 → 4, 50 → 48).
  EXPECT_GE(reusing, 20U);
  std::cout << "corpus: " << files << " files, " << entries << " entries, " << messages
            << " messages; " << reusing << " files reuse ids, " << repeats
            << " identical repeats collapsed\n";
}

} // namespace
} // namespace feedpop::feeds
