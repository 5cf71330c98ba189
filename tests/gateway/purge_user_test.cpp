// `feedpop purge-user NAME [--force]` (docs/reference.yaml) on a real SQLite file: a user
// removed from feeds.yaml keeps their deletions until purged; purging forgets exactly that
// user's state; a user still in the config is refused unless --force.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/commands.hpp"
#include "storage/store.hpp"
#include "tests/gateway/temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;

struct PurgeRun {
  int status = -1;
  std::string out;
  std::string err;
};

class PurgeUserTest : public ::testing::Test {
protected:
  test::TempDir dir;
  fs::path config = dir.path() / "feeds.yaml";
  fs::path database = dir.path() / "data" / storage::database_file_name;
  std::vector<storage::EntryId> ids; // the feed's entries, in arrival order

  void SetUp() override {
    write_config({"alice", "bob", "carol"});
    fs::create_directories(database.parent_path());
    auto store = storage::open_sqlite_store(database.string(), storage::Role::writer);
    std::vector<storage::NewEntry> entries;
    for (int i = 0; i < 5; ++i) {
      storage::NewEntry e;
      e.identity = "https://example.org/" + std::to_string(i);
      e.content_hash = "h";
      e.message = "Subject: " + std::to_string(i) + "\r\n\r\nbody\r\n";
      entries.push_back(std::move(e));
    }
    store->insert_entries("news", entries, storage::FeedState{});
    for (const auto& item : store->snapshot("alice", {"news"})) {
      ids.push_back(item.id);
    }
    ASSERT_EQ(ids.size(), 5u);
    store->commit_deletions("alice", {ids[0], ids[1]});
    store->commit_deletions("bob", {ids[2]});
    store->commit_deletions("carol", {ids[3], ids[4]});
  }

  void write_config(const std::vector<std::string>& users) {
    std::ofstream out(config, std::ios::trunc);
    out << "data_dir: ./data\npop3:\n  listen: [\"127.0.0.1:0\"]\nusers:\n";
    for (const auto& user : users) {
      out << "  " << user << ":\n    password: \"secret\"\n    feeds: all\n";
    }
    out << "feeds:\n  news:\n    url: https://example.org/feed.xml\n";
  }

  PurgeRun purge(std::vector<std::string> args) {
    CLI::App app{"feedpop"};
    GlobalOptions global;
    global.config = config.string();
    PurgeRun run;
    add_purge_user_command(app, global, run.status);
    args.insert(args.begin(), {"feedpop", "purge-user"});
    std::vector<const char*> argv;
    for (const auto& a : args) {
      argv.push_back(a.c_str());
    }
    std::ostringstream out;
    std::ostringstream err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    app.parse(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    run.out = out.str();
    run.err = err.str();
    return run;
  }

  // Deleted-entry count of a user, read from the database file as a reader would.
  std::uint64_t deleted(const std::string& user) {
    auto store = storage::open_sqlite_store(database.string(), storage::Role::reader);
    return store->user_counts(user, {"news"}).deleted;
  }
  std::size_t visible(const std::string& user) {
    auto store = storage::open_sqlite_store(database.string(), storage::Role::reader);
    return store->snapshot(user, {"news"}).size();
  }
};

TEST_F(PurgeUserTest, AUserRemovedFromTheConfigKeepsTheirDeletionsUntilPurged) {
  write_config({"alice", "carol"});
  // The config no longer names bob, but his mailbox state is still there.
  EXPECT_EQ(deleted("bob"), 1u);
  EXPECT_EQ(visible("bob"), 4u);

  const PurgeRun run = purge({"bob"});
  EXPECT_EQ(run.status, exit_ok) << run.err;
  EXPECT_EQ(run.out, "purged the mailbox state of user bob\n");
  // A user of that name added back later starts with every entry, none deleted.
  EXPECT_EQ(deleted("bob"), 0u);
  EXPECT_EQ(visible("bob"), 5u);
  // The others are untouched.
  EXPECT_EQ(deleted("alice"), 2u);
  EXPECT_EQ(deleted("carol"), 2u);
  EXPECT_EQ(visible("alice"), 3u);
  EXPECT_EQ(visible("carol"), 3u);
}

TEST_F(PurgeUserTest, AUserStillInTheConfigIsRefusedWithoutForce) {
  const PurgeRun refused = purge({"alice"});
  EXPECT_EQ(refused.status, exit_config);
  EXPECT_NE(refused.err.find("user alice is still in " + config.string()), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
  EXPECT_EQ(deleted("alice"), 2u);

  const PurgeRun forced = purge({"alice", "--force"});
  EXPECT_EQ(forced.status, exit_ok) << forced.err;
  EXPECT_EQ(deleted("alice"), 0u);
  EXPECT_EQ(deleted("bob"), 1u);
  EXPECT_EQ(deleted("carol"), 2u);
}

TEST_F(PurgeUserTest, PurgingAnUnknownUserChangesNothingAndSucceeds) {
  // Idempotent, like a second purge of the same user: nothing stored, nothing to forget.
  const PurgeRun run = purge({"mallory"});
  EXPECT_EQ(run.status, exit_ok) << run.err;
  EXPECT_EQ(deleted("alice"), 2u);
  EXPECT_EQ(deleted("bob"), 1u);
  EXPECT_EQ(deleted("carol"), 2u);
  write_config({"alice", "carol"});
  EXPECT_EQ(purge({"bob"}).status, exit_ok);
  EXPECT_EQ(purge({"bob"}).status, exit_ok);
  EXPECT_EQ(deleted("bob"), 0u);
  EXPECT_EQ(deleted("carol"), 2u);
}

TEST_F(PurgeUserTest, WithoutADatabaseThereIsNothingToPurgeAndNoFileIsCreated) {
  fs::remove_all(database.parent_path());
  const PurgeRun run = purge({"dave"});
  EXPECT_EQ(run.status, exit_ok) << run.err;
  EXPECT_NE(run.out.find("nothing to purge"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(database));
}

TEST_F(PurgeUserTest, AnInvalidConfigIsAConfigErrorAndTouchesNothing) {
  std::ofstream(config, std::ios::trunc) << "users: [not, a, mapping\n";
  const PurgeRun run = purge({"bob"});
  EXPECT_EQ(run.status, exit_config);
  EXPECT_FALSE(run.err.empty());
  EXPECT_EQ(deleted("bob"), 1u);
}

} // namespace
} // namespace feedpop::gateway
