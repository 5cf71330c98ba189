// `feedpop extract` end to end: the built binary reads a page from a real loopback HTTP
// server (tests/support/http_server.py) or a file and prints the article. Skipped when
// the binary is not built.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

#include "tests/support/http_test_server.hpp"

namespace {

namespace fs = std::filesystem;
using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

struct CommandRun {
  std::string out;
  int status = -1;
};

CommandRun feedpop(const std::string& args) {
  CommandRun r;
  const std::string command =
      (fs::path(FEEDPOP_BINARY_DIR) / "feedpop").string() + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return r;
  }
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    r.out.append(buf.data(), n);
  }
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string page() {
  std::string body;
  for (int i = 0; i < 6; ++i) {
    body += "<p>Paragraph " + std::to_string(i) +
            " of the report, with enough words, commas, and detail to be read as the "
            "article rather than as page furniture.</p>";
  }
  return "<html lang='en'><head><title>Harbour report for the week</title></head><body>"
         "<nav class='menu'><a href='/'>Home</a></nav><article>" +
         body + "<p><img src='img/boat.jpg' alt='boat'></p></article></body></html>";
}

class ExtractCommand : public ::testing::Test {
protected:
  void SetUp() override {
    if (!fs::exists(fs::path(FEEDPOP_BINARY_DIR) / "feedpop")) {
      GTEST_SKIP() << "feedpop binary not built";
    }
    write_file(dir_.path / "page.html", page());
    write_file(dir_.path / "empty.html", "<html><body><nav><a href='/'>x</a></nav></body></html>");
  }
  TempDir dir_{"feedpop-extract"};
};

TEST_F(ExtractCommand, FetchesAUrlAndResolvesImagesAgainstTheFinalUrl) {
  HttpTestServer server(dir_.path);
  // One redirect first: the article's URLs resolve against where the page really is.
  const CommandRun r =
      feedpop("extract --json '" + server.url("/redirect/302/1?to=/files/page.html") + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"title\": \"Harbour report for the week\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"lang\": \"en\""), std::string::npos);
  EXPECT_NE(r.out.find(server.url("/files/img/boat.jpg")), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Home"), std::string::npos);
}

TEST_F(ExtractCommand, PrintsTitleAndTextOfAFileWithTheGivenBaseUrl) {
  const CommandRun plain = feedpop("extract " + (dir_.path / "page.html").string());
  ASSERT_EQ(plain.status, 0) << plain.out;
  EXPECT_EQ(plain.out.rfind("Harbour report for the week\n\nParagraph 0 of the report", 0), 0u)
      << plain.out;
  const CommandRun json = feedpop("extract --json --url https://news.example/2024/x.html " +
                                  (dir_.path / "page.html").string());
  EXPECT_NE(json.out.find("https://news.example/2024/img/boat.jpg"), std::string::npos);
}

TEST_F(ExtractCommand, APageWithoutArticleExitsOneWithTheReason) {
  const CommandRun r = feedpop("extract " + (dir_.path / "empty.html").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("no article found"), std::string::npos) << r.out;
  EXPECT_EQ(feedpop("extract " + (dir_.path / "missing.html").string()).status, 3);
}

} // namespace
