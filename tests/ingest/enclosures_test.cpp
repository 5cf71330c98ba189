// enclosures: attach — enclosures fetched over a real HTTP server and attached.

#include <gtest/gtest.h>

#include "ingest/enclosures.hpp"
#include "tests/support/http_test_server.hpp"

namespace feedpop::ingest {
namespace {

using feedpop::testing::HttpTestServer;
using feedpop::testing::TempDir;
using feedpop::testing::write_file;

TEST(AttachmentFilename, ContentDispositionFirstThenTheUrlNeverAPath) {
  EXPECT_EQ(attachment_filename("https://a.example/x/ep%201.mp3?t=1", ""), "ep 1.mp3");
  EXPECT_EQ(attachment_filename("https://a.example/get", "attachment; filename=\"Show 2.mp3\""),
            "Show 2.mp3");
  EXPECT_EQ(attachment_filename("https://a.example/get",
                                "attachment; filename=x.mp3; filename*=UTF-8''caf%C3%A9.mp3"),
            "caf\xC3\xA9.mp3");
  EXPECT_EQ(attachment_filename("https://a.example/get", "attachment; filename=\"..\\\\a/b.mp3\""),
            "b.mp3");
  EXPECT_EQ(attachment_filename("https://a.example/", "inline"), "attachment");
  EXPECT_EQ(attachment_filename("https://a.example", ""), "attachment");
}

class EnclosuresTest : public ::testing::Test {
protected:
  void SetUp() override {
    server = std::make_unique<HttpTestServer>(files.path);
    config.fetch.timeout = std::chrono::seconds(10);
    feed.key = "pod";
    feed.enclosures = EnclosuresMode::attach;
    feed.enclosures_max_size = 1000;
  }

  feeds::Enclosure enclosure(const std::string& path, std::optional<std::int64_t> length = {}) {
    return {server->url(path), "audio/mpeg", length};
  }

  TempDir files;
  std::unique_ptr<HttpTestServer> server;
  Options config;
  FeedOptions feed;
};

TEST_F(EnclosuresTest, AttachesUpToTheCapWithTheServersNameAndType) {
  const std::string bytes(900, '\x01');
  write_file(files.path / "ep1", bytes);
  write_file(files.path / "ep1.headers",
             "Content-Type: audio/mp4; codecs=mp4a\nContent-Disposition: attachment; "
             "filename=\"Episode 1.m4a\"\n");
  feeds::Entry e;
  e.enclosures = {enclosure("/files/ep1", 900), enclosure("/files/ep1", 900)};
  std::uint64_t budget = 5000;
  const EnclosureFiles out = fetch_enclosures(config, feed, e, budget);
  EXPECT_EQ(budget, 4100u);
  ASSERT_EQ(out.attachments.size(), 1u); // the same URL once
  EXPECT_EQ(out.attachments[0].bytes, bytes);
  EXPECT_EQ(out.attachments[0].filename, "Episode 1.m4a");
  EXPECT_EQ(out.attachments[0].type, "audio/mp4");
  EXPECT_EQ(out.attachments[0].url, server->url("/files/ep1"));
  EXPECT_TRUE(out.notes.empty());
  EXPECT_EQ(out.failed, 0u);
}

TEST_F(EnclosuresTest, OverTheCapOrFailingStaysALinkWithANote) {
  write_file(files.path / "big", std::string(1001, 'x'));
  feeds::Entry e;
  e.enclosures = {enclosure("/files/declared", 5'000'000),
                  enclosure("/files/big"),
                  enclosure("/status/404"),
                  {"ftp://a.example/x.mp3", {}, {}}};
  std::uint64_t budget = 5000;
  const EnclosureFiles out = fetch_enclosures(config, feed, e, budget);
  EXPECT_TRUE(out.attachments.empty());
  EXPECT_EQ(out.notes.at(server->url("/files/declared")),
            "not attached: 5.0 MB is over the 1.0 kB limit");
  EXPECT_EQ(out.notes.at(server->url("/files/big")), "not attached: larger than the 1.0 kB limit");
  EXPECT_EQ(out.notes.at(server->url("/status/404")), "not attached: HTTP 404");
  EXPECT_EQ(out.notes.count("ftp://a.example/x.mp3"), 0u); // not http(s): listed as it is
  EXPECT_EQ(out.failed, 2u);
}

TEST_F(EnclosuresTest, APollsAttachmentsStopAtItsBudgetTheRestStayLinks) {
  write_file(files.path / "a", std::string(600, 'a'));
  write_file(files.path / "b", std::string(600, 'b'));
  feeds::Entry e1, e2;
  e1.enclosures = {enclosure("/files/a")};
  e2.enclosures = {enclosure("/files/b"), enclosure("/files/c", 500)};
  std::uint64_t budget = 1000;
  EXPECT_EQ(fetch_enclosures(config, feed, e1, budget).attachments.size(), 1u);
  EXPECT_EQ(budget, 400u);
  const EnclosureFiles out = fetch_enclosures(config, feed, e2, budget);
  EXPECT_TRUE(out.attachments.empty());
  EXPECT_EQ(out.notes.at(server->url("/files/b")),
            "not attached: this poll's 5.0 kB for attachments are spent");
  EXPECT_EQ(out.notes.at(server->url("/files/c")), out.notes.at(server->url("/files/b")));
  EXPECT_EQ(budget, 400u);
}

TEST_F(EnclosuresTest, FeedSettingsOverrideTheGlobalOnes) {
  config.fetch.enclosures = EnclosuresMode::attach;
  config.fetch.enclosures_max_size = 7;
  FeedOptions plain;
  EXPECT_EQ(enclosures_mode(config, plain), EnclosuresMode::attach);
  EXPECT_EQ(enclosures_max_size(config, plain), 7u);
  plain.enclosures = EnclosuresMode::link;
  plain.enclosures_max_size = 9;
  EXPECT_EQ(enclosures_mode(config, plain), EnclosuresMode::link);
  EXPECT_EQ(enclosures_max_size(config, plain), 9u);
}

} // namespace
} // namespace feedpop::ingest
