// RenderOptions::html_sanitized lets ingest skip the second sanitising pass over HTML that
// feeds::parse has already sanitised. That is only sound if sanitising parse output again
// changes nothing: every entry of every feed must render to the same bytes either way.
// Runs over the project's own fixtures, and over ../shared/corpus/feeds when present.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "feeds/parse.hpp"
#include "mail/render.hpp"

namespace feedpop::mail {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Renders every entry of every regular file in `dir` both ways; returns how many entries
// were compared (failures are reported by EXPECT).
std::size_t compare_dir(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) {
      files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::size_t compared = 0;
  for (const auto& path : files) {
    const std::string url = "https://example.org/feeds/" + path.filename().string();
    const auto parsed = feeds::parse(read_file(path), {url, ""});
    const auto* feed = std::get_if<feeds::Feed>(&parsed);
    if (feed == nullptr) {
      continue;
    }
    const FeedInfo info{"corpus", feed->title, url, feed->link};
    for (std::size_t i = 0; i < feed->entries.size(); ++i) {
      RenderOptions options;
      options.hostname = "test.invalid";
      options.identity = path.filename().string() + "#" + std::to_string(i);
      const std::string twice = render(feed->entries[i], info, options);
      options.html_sanitized = true;
      const std::string once = render(feed->entries[i], info, options);
      EXPECT_EQ(once, twice) << path << " entry " << i;
      ++compared;
    }
  }
  return compared;
}

TEST(RenderSanitizedInput, ParseOutputRendersTheSameWithoutTheSecondSanitisingPass) {
  const std::size_t compared =
      compare_dir(fs::path(FEEDPOP_SOURCE_DIR) / "tests" / "feeds" / "fixtures");
  EXPECT_GT(compared, 20u);
}

TEST(RenderSanitizedInput, SharedCorpusRendersTheSameWithoutTheSecondSanitisingPass) {
  const fs::path corpus = fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
  if (!fs::is_directory(corpus)) {
    GTEST_SKIP() << "no shared corpus at " << corpus;
  }
  EXPECT_GT(compare_dir(corpus), 3000u);
}

} // namespace
} // namespace feedpop::mail
