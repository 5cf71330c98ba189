#include "gateway/opml.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

std::string fixture(const std::string& name) {
  std::ifstream in(fs::path(FEEDPOP_SOURCE_DIR) / "tests/gateway/fixtures/opml" / name,
                   std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The added feed `key`; throws (a test failure) when the plan has none.
const ImportedFeed& find(const ImportPlan& plan, const std::string& key) {
  for (const auto& feed : plan.added) {
    if (feed.key == key) {
      return feed;
    }
  }
  throw std::out_of_range("no added feed " + key);
}

std::vector<std::string> keys(const ImportPlan& plan) {
  std::vector<std::string> out;
  for (const auto& feed : plan.added) {
    out.push_back(feed.key);
  }
  return out;
}

const Config empty_config = parse_config("", "/tmp/feeds.yaml");

TEST(OpmlImport, FeedlyFoldersBecomeTagsAndAFeedInTwoFoldersIsAddedOnce) {
  const ImportPlan plan = plan_import(empty_config, parse_opml(fixture("feedly.opml")));
  EXPECT_EQ(keys(plan), (std::vector<std::string>{"lwn-net", "hacker-news", "xkcd-com"}));
  EXPECT_EQ(find(plan, "lwn-net").title, "LWN.net");
  EXPECT_EQ(find(plan, "lwn-net").tags, (std::vector<std::string>{"tech-news", "comics"}));
  EXPECT_EQ(find(plan, "xkcd-com").tags, (std::vector<std::string>{"comics"}));
  ASSERT_EQ(plan.duplicates.size(), 1u);
  EXPECT_NE(plan.duplicates[0].find("https://lwn.net/headlines/rss is already feed 'lwn-net'"),
            std::string::npos);
}

TEST(OpmlImport, InoreaderTextWinsOverTitleAndFeedUrlsBecomeHttp) {
  const ImportPlan plan = plan_import(empty_config, parse_opml(fixture("inoreader.opml")));
  EXPECT_EQ(keys(plan),
            (std::vector<std::string>{"linux-kernel-releases", "debian-news", "daring-fireball"}));
  EXPECT_EQ(find(plan, "linux-kernel-releases").tags,
            (std::vector<std::string>{"linux-open-source"}));
  EXPECT_EQ(find(plan, "debian-news").url, "http://www.debian.org/News/news");
  EXPECT_TRUE(find(plan, "daring-fireball").tags.empty());
}

TEST(OpmlImport, NetNewsWireNestedFoldersAndMissingOrForeignTitles) {
  const OpmlDocument opml = parse_opml(fixture("netnewswire.opml"));
  const ImportPlan plan = plan_import(empty_config, opml);
  EXPECT_EQ(keys(plan),
            (std::vector<std::string>{"julia-evans", "swift-org", "example-org", "habr-com"}));
  EXPECT_EQ(find(plan, "swift-org").tags, (std::vector<std::string>{"apple", "swift"}));
  EXPECT_EQ(find(plan, "example-org").title, ""); // the feed's own title will be used
  EXPECT_EQ(find(plan, "example-org").tags, (std::vector<std::string>{"apple"}));
  EXPECT_EQ(find(plan, "habr-com").title, "Блог Хабр"); // kept, though not slug material
}

TEST(OpmlImport, NewsboatCategoriesLowercaseXmlurlAndNonFeedUrls) {
  const OpmlDocument opml = parse_opml(fixture("newsboat.opml"));
  EXPECT_EQ(opml.skipped.size(), 3u); // exec:, query:, |pipe
  const ImportPlan plan = plan_import(empty_config, opml);
  EXPECT_EQ(keys(plan),
            (std::vector<std::string>{"lwn", "blog-example-org", "blog-example-org-2"}));
  EXPECT_EQ(find(plan, "lwn").url, "https://lwn.net/headlines/rss");
  EXPECT_EQ(find(plan, "lwn").tags, (std::vector<std::string>{"linux", "news"}));
  EXPECT_EQ(find(plan, "blog-example-org").tags, (std::vector<std::string>{"blogs"}));
}

TEST(OpmlImport, FeedsAlreadyInTheConfigAreReportedAndSkipped) {
  const Config config =
      parse_config("feeds:\n  lwn-net:\n    url: https://lwn.net/headlines/rss\n  hn:\n    url: "
                   "HTTPS://News.YCombinator.com/rss\n",
                   "/tmp/feeds.yaml");
  const ImportPlan plan = plan_import(config, parse_opml(fixture("feedly.opml")));
  // xkcd-com is new; lwn (twice) and hn (scheme and host differ only in case) are known.
  EXPECT_EQ(keys(plan), (std::vector<std::string>{"xkcd-com"}));
  ASSERT_EQ(plan.duplicates.size(), 3u);
  EXPECT_NE(plan.duplicates[1].find("already feed 'hn'"), std::string::npos);
}

TEST(OpmlImport, KeysStayUniqueAgainstTheConfig) {
  const Config config =
      parse_config("feeds:\n  lwn:\n    url: https://other.example/lwn\n", "/tmp/feeds.yaml");
  const ImportPlan plan = plan_import(config, parse_opml(fixture("newsboat.opml")));
  EXPECT_EQ(plan.added.at(0).key, "lwn-2");
}

TEST(OpmlImport, NonOpmlDocumentsAreRejected) {
  EXPECT_THROW(parse_opml(fixture("not-opml.xml")), OpmlError);
  EXPECT_THROW(parse_opml(fixture("broken.opml")), OpmlError);
  EXPECT_THROW(parse_opml(""), OpmlError);
  EXPECT_THROW(parse_opml("<opml version=\"2.0\"><head/></opml>"), OpmlError);
}

TEST(OpmlAppend, CommentsAndLayoutSurviveAndTheResultLoads) {
  const std::string before = R"(# my feeds
data_dir: ./data   # keep this comment
feeds:
    # indented four, with a comment
    lwn:
        url: https://lwn.net/headlines/rss
        # retention: 1w

# the users
users:
  alice: {password: x, feeds: [lwn]}
)";
  const ImportPlan plan =
      plan_import(parse_config(before, "/tmp/feeds.yaml"), parse_opml(fixture("inoreader.opml")));
  const std::string after = append_feeds(before, plan.added, "imported from x.opml");
  // Every original line is still there, in order.
  std::istringstream original(before);
  std::size_t position = 0;
  for (std::string line; std::getline(original, line);) {
    position = after.find(line + "\n", position);
    ASSERT_NE(position, std::string::npos) << "lost: " << line;
  }
  // The new feeds sit inside `feeds:`, before the users' comment, at its indentation.
  EXPECT_LT(after.find("    debian-news:\n"), after.find("# the users"));
  EXPECT_GT(after.find("    debian-news:\n"), after.find("# retention: 1w"));
  const Config config = parse_config(after, "/tmp/feeds.yaml");
  EXPECT_EQ(config.feeds.size(), 4u);
  EXPECT_EQ(config.feeds.at("linux-kernel-releases").title, "Linux kernel releases");
  EXPECT_EQ(config.feeds.at("linux-kernel-releases").tags,
            (std::vector<std::string>{"linux-open-source"}));
  EXPECT_EQ(config.subscriptions("alice"), (std::vector<std::string>{"lwn"}));
}

TEST(OpmlAppend, CreatesOrFillsTheFeedsSection) {
  const std::vector<ImportedFeed> feeds = {
      {"q", "https://q.example/feed", "Say \"hi\" \\ there", {"a"}}};
  for (const std::string& before :
       {std::string(""), std::string("data_dir: x"),
        std::string("feeds:   # none yet\nusers: {}\n"), std::string("users: {}\nfeeds:\n")}) {
    const std::string after = append_feeds(before, feeds, "imported");
    const Config config = parse_config(after, "/tmp/feeds.yaml");
    ASSERT_EQ(config.feeds.size(), 1u) << after;
    EXPECT_EQ(config.feeds.at("q").title, "Say \"hi\" \\ there");
  }
  EXPECT_THROW(append_feeds("feeds: {a: {url: 'https://a.example/'}}\n", feeds, "x"), OpmlError);
  EXPECT_THROW(append_feeds("{feeds: {}}\n", feeds, "x"), OpmlError);
}

TEST(OpmlExport, ExportedOpmlImportsBackToTheSameFeeds) {
  const Config config = parse_config(R"(
feeds:
  welcome: {url: "file:share/welcome.xml"}
  lwn: {url: "https://lwn.net/headlines/rss", title: "LWN & friends", tags: [linux, news]}
  hn: {url: "https://news.ycombinator.com/rss", tags: [news]}
  solo: {url: "https://solo.example/feed"}
)",
                                     "/tmp/feeds.yaml");
  std::vector<std::string> skipped;
  const std::string xml = write_opml(config, skipped);
  EXPECT_NE(xml.find("<opml version=\"2.0\">"), std::string::npos);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].rfind("welcome:", 0), 0u);
  const OpmlDocument opml = parse_opml(xml);
  ASSERT_EQ(opml.feeds.size(), 3u);
  const ImportPlan plan = plan_import(empty_config, opml);
  EXPECT_EQ(keys(plan), (std::vector<std::string>{"hn", "lwn-friends", "solo"}));
  EXPECT_EQ(find(plan, "lwn-friends").title, "LWN & friends");
  EXPECT_EQ(find(plan, "lwn-friends").tags, (std::vector<std::string>{"linux", "news"}));
  EXPECT_EQ(find(plan, "hn").tags, (std::vector<std::string>{"news"}));
  // Importing the export into the config it came from adds nothing.
  EXPECT_TRUE(plan_import(config, opml).added.empty());
}

TEST(OpmlSlugs, AreMailSafe) {
  EXPECT_EQ(slugify("  Linux & Open Source!  "), "linux-open-source");
  EXPECT_EQ(slugify("Блог"), "");
  EXPECT_EQ(slugify("a_b.c"), "a-b-c");
  EXPECT_EQ(slugify(std::string(100, 'x')).size(), 40u);
}

// Real exports of other readers, when ../shared is present.
TEST(OpmlCorpus, EveryRealExportImportsIntoAValidConfig) {
  const fs::path corpus = fs::path(FEEDPOP_SHARED_DIR) / "corpus/opml";
  if (!fs::is_directory(corpus)) {
    GTEST_SKIP() << corpus << " is absent";
  }
  std::size_t files = 0;
  std::size_t imported = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".opml") {
      continue;
    }
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    OpmlDocument opml;
    try {
      opml = parse_opml(text.str());
    } catch (const OpmlError& e) {
      // Only files that really are not OPML may fail.
      const std::string name = entry.path().filename().string();
      EXPECT_TRUE(name.find("missing") != std::string::npos) << name << ": " << e.what();
      continue;
    }
    const ImportPlan plan = plan_import(empty_config, opml);
    const std::string yaml = append_feeds("", plan.added, "corpus");
    const Config config = parse_config(yaml, "/tmp/feeds.yaml");
    EXPECT_EQ(config.feeds.size(), plan.added.size()) << entry.path();
    EXPECT_EQ(plan.added.size() + plan.duplicates.size(), opml.feeds.size()) << entry.path();
    imported += plan.added.size();
  }
  EXPECT_GT(files, 0u);
  EXPECT_GT(imported, 10u);
}

// The file `opml import` writes: the original's mode (and owner, as root) from the start.
class OpmlReplaceFile : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/feedpop-opml-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    path = dir / "feeds.yaml";
    std::ofstream(path) << "users: {}\n";
  }
  void TearDown() override { fs::remove_all(dir); }
  static struct stat status(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st;
  }
  std::string contents() const {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  fs::path dir;
  fs::path path;
};

TEST_F(OpmlReplaceFile, TheConfigKeepsItsModeWhateverTheUmask) {
  for (const auto& [mode, mask] : {std::pair<mode_t, mode_t>{0640, 077}, {0600, 0}, {0644, 027}}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    const mode_t old = ::umask(mask);
    replace_config_file(path, "feeds: {}\n# " + std::to_string(mode) + "\n");
    ::umask(old);
    EXPECT_EQ(status(path).st_mode & 07777, mode) << std::oct << mode << " umask " << mask;
    EXPECT_EQ(contents(), "feeds: {}\n# " + std::to_string(mode) + "\n");
  }
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) {
    ++files;
  }
  EXPECT_EQ(files, 1U) << "a temporary file was left behind";
}

TEST_F(OpmlReplaceFile, StaleTemporariesAreNeitherReusedNorInTheWay) {
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  for (const char* stale : {"feeds.yaml.import-XXXXXX", "feeds.yaml.opml-import.1"}) {
    std::ofstream(dir / stale) << "stale";
    fs::permissions(dir / stale, fs::perms(0666));
  }
  replace_config_file(path, "users: {a: {password: x}}\n");
  EXPECT_EQ(status(path).st_mode & 0777, 0600U);
  EXPECT_EQ(contents(), "users: {a: {password: x}}\n");
}

TEST_F(OpmlReplaceFile, AMissingConfigIsCreatedAndAnUnwritableFolderIsAClearError) {
  fs::remove(path);
  replace_config_file(path, "feeds: {}\n");
  EXPECT_EQ(contents(), "feeds: {}\n");
  EXPECT_THROW(replace_config_file(dir / "missing-folder" / "feeds.yaml", "x"), std::runtime_error);
}

TEST_F(OpmlReplaceFile, AsRootTheConfigKeepsItsOwnerAndGroup) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "changing a file's owner needs root";
  }
  ASSERT_EQ(::chown(path.c_str(), 4321, 4322), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  replace_config_file(path, "feeds: {}\n");
  const auto st = status(path);
  EXPECT_EQ(st.st_uid, 4321U);
  EXPECT_EQ(st.st_gid, 4322U);
  EXPECT_EQ(st.st_mode & 07777, 0640U);
}

} // namespace
} // namespace feedpop::gateway
