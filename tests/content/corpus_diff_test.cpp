// Differential test against Firefox's Reader View (shared/tools/articlediff.py on the 99
// pages of shared/corpus/articles): `feedpop extract --json` must pass at least 90 pages
// at word F1 >= 0.95 and get at least 90 titles right. Skipped when ../shared, python3 or
// the feedpop binary is missing ($FEEDPOP_SHARED_DIR overrides ../shared). Takes a few seconds (one
// process per page).
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>

namespace {

namespace fs = std::filesystem;

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return out;
  }
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  status = ::pclose(pipe);
  return out;
}

// The number before `marker` in the tool's summary ("92 passed", "titles 93/99").
int number_before(const std::string& out, const std::string& marker) {
  const std::size_t at = out.rfind(marker);
  if (at == std::string::npos) {
    return -1;
  }
  std::size_t start = at;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(out[start - 1])) != 0) {
    --start;
  }
  return start == at ? -1 : std::stoi(out.substr(start, at - start));
}

TEST(ArticleCorpus, AgreesWithReaderViewOnAtLeast90Of99Pages) {
  std::error_code ec;
  const char* env_shared = std::getenv("FEEDPOP_SHARED_DIR"); // e.g. from a worktree
  const fs::path shared = fs::weakly_canonical(
      env_shared != nullptr && *env_shared != '\0' ? env_shared : FEEDPOP_SHARED_DIR, ec);
  const fs::path tool = shared / "tools" / "articlediff.py";
  const fs::path pages = shared / "corpus" / "articles" / "pages";
  const fs::path feedpop = fs::path(FEEDPOP_BINARY_DIR) / "feedpop";
  if (!fs::exists(tool) || !fs::exists(pages)) {
    GTEST_SKIP() << "no shared article corpus at " << shared;
  }
  if (!fs::exists(feedpop) || !fs::exists("/usr/bin/python3")) {
    GTEST_SKIP() << "feedpop binary or /usr/bin/python3 missing";
  }
  int status = 0;
  const std::string out =
      run("/usr/bin/python3 " + tool.string() + " --min-f1 0.95 '" + feedpop.string() +
              " extract --json {} --url {url}' " + pages.string() + " 2>&1",
          status);
  ASSERT_EQ(status, 0) << out;
  const int passed = number_before(out, " passed");
  const std::size_t titles_at = out.rfind("titles ");
  ASSERT_NE(titles_at, std::string::npos) << out;
  const int titles = std::stoi(out.substr(titles_at + 7));
  EXPECT_GE(passed, 90) << out;
  EXPECT_GE(titles, 90) << out;
}

} // namespace
