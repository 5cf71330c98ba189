// `feedpop stats` on both backends (a SQLite file, a real PostgreSQL): each user's counts
// equal what a POP3 login lists (snapshot over mailbox_keys) and Store::user_counts for the
// same keys, with purged entries, deletions inside and outside the mailbox, a user's own
// feeds, users the config no longer names, feed and user digests, and names whose bytewise
// order differs from a locale's; the JSON is nlohmann's dump(2) of the whole document.
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/digests.hpp"
#include "storage/store.hpp"
#include "tests/gateway/temp_dir_support.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::gateway {
namespace {

namespace fs = std::filesystem;
using storage::testing::Backend;
using storage::testing::BackendDatabase;

storage::NewEntry entry(const std::string& id) {
  storage::NewEntry e;
  e.identity = "https://example.org/" + id;
  e.content_hash = "h-" + id;
  e.message = "Subject: " + id + "\r\n\r\nbody of " + id + "\r\n";
  return e;
}

struct StatsRun {
  int status = -1;
  std::string out;
  std::string err;
};

class StatsCommandTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  test::TempDir dir;
  fs::path config_path = dir.path() / "feeds.yaml";
  std::unique_ptr<storage::Store> store;

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    store = db.open(storage::Role::writer);
  }

  // `digests`: the feed gamma and the user dave get digests.
  void write_config(bool digests) {
    std::ofstream out(config_path, std::ios::trunc);
    if (GetParam() == Backend::sqlite) {
      out << "data_dir: \"" << fs::path(db.sqlite_path()).parent_path().string() << "\"\n";
    } else {
      out << "data_dir: \"" << dir.path().string() << "\"\nstorage:\n  backend: postgresql\n"
          << "  postgresql:\n    url: \"" << db.url() << "\"\n";
    }
    out << "pop3:\n  listen: [\"127.0.0.1:0\"]\nusers:\n"
        << "  alice:\n    password: \"pw\"\n    feeds: [alpha, beta]\n"
        << "  bob:\n    password: \"pw\"\n    feeds: all\n"
        << "  Carol:\n    password: \"pw\"\n    feeds: [alpha, Zeta, delta]\n";
    if (digests) {
      out << "  dave:\n    password: \"pw\"\n    feeds: [alpha, gamma]\n"
          << "    digest: {every: 1d}\n";
    }
    out << "feeds:\n";
    for (const char* key : {"alpha", "beta", "Zeta", "delta", "gamma"}) {
      out << "  " << key << ":\n    url: https://example.org/" << key << ".xml\n";
      if (digests && std::string(key) == "gamma") {
        out << "    digest: {every: 1d}\n";
      }
    }
  }

  void insert(const std::string& key, int count) {
    std::vector<storage::NewEntry> entries;
    for (int i = 0; i < count; ++i) {
      entries.push_back(entry(key + "-" + std::to_string(i)));
    }
    storage::FeedState state;
    state.key = key;
    state.url = state.config_url = "https://example.org/" + key + ".xml";
    state.last_status = "ok";
    state.http_code = 200;
    store->insert_entries(key, entries, state);
  }
  // The first `n` entries `user` would list of `keys`, deleted by that user.
  void remove(const std::string& user, const std::vector<std::string>& keys, std::size_t n) {
    std::vector<storage::EntryId> ids;
    for (const auto& item : store->snapshot(user, keys)) {
      if (ids.size() < n) {
        ids.push_back(item.id);
      }
    }
    ASSERT_EQ(ids.size(), n);
    store->commit_deletions(user, ids);
  }

  // Entries, purges, deletions and a user's own feeds; gamma's digest when `digests`.
  void fill(bool digests) {
    insert("alpha", 4);
    insert("beta", 3);
    insert("Zeta", 2);
    insert("gamma", 3);
    insert("old", 2); // in no configuration any more
    ASSERT_TRUE(store->add_user_feed({"alice", "mine", "https://example.org/alice/mine.xml", {}}));
    insert("alice/mine", 2);
    insert("alice/.feedpop", 1);
    const auto now = storage::Time(std::chrono::seconds(2'000'000'000));
    ASSERT_EQ(store->purge_retention("alpha", std::nullopt, 3, now, {}), 1u); // oldest
    remove("alice", {"alpha", "alice/mine"}, 1);
    remove("alice", {"alice/mine"}, 1);
    remove("bob", {"beta"}, 2);
    remove("bob", {"old"}, 1); // not in bob's mailbox: not counted
    remove("Carol", {"Zeta"}, 1);
    remove("zed", {"alpha"}, 2); // not in the configuration: not listed
    if (digests) {
      std::vector<storage::EntryId> covered;
      for (const auto& item : store->snapshot("nobody", {"gamma"})) {
        covered.push_back(item.id);
      }
      storage::NewEntry digest = entry("gamma-digest");
      ASSERT_TRUE(store->store_digest(feed_digest_key("gamma"), "p1", {digest}, covered));
      ASSERT_TRUE(store->store_digest(user_digest_key("dave"), "p1",
                                      {entry("dave-1"), entry("dave-2")}, {}));
      remove("dave", {user_digest_key("dave")}, 1);
    }
  }

  StatsRun stats(bool json) {
    CLI::App app{"feedpop"};
    GlobalOptions global;
    global.config = config_path.string();
    StatsRun run;
    add_stats_command(app, global, run.status);
    std::vector<const char*> argv{"feedpop", "stats"};
    if (json) {
      argv.push_back("--json");
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

  // What the command must print for each user, from the per-user paths of POP3 logins.
  void expect_users_match_logins(const nlohmann::json& users) {
    const Config config = load_config(config_path);
    const auto reader = db.open(storage::Role::reader);
    const auto own = reader->user_feeds("");
    ASSERT_EQ(users.size(), config.users.size());
    std::size_t i = 0;
    for (const auto& [name, user] : config.users) {
      const auto keys = mailbox_keys(config, name, own);
      const auto& row = users[i++];
      EXPECT_EQ(row["name"], name);
      EXPECT_EQ(row["visible"].get<std::uint64_t>(), reader->snapshot(name, keys).size()) << name;
      EXPECT_EQ(row["deleted"].get<std::uint64_t>(), reader->user_counts(name, keys).deleted)
          << name;
    }
  }

  nlohmann::json user_row(const nlohmann::json& users, const std::string& name) {
    for (const auto& u : users) {
      if (u["name"] == name) {
        return u;
      }
    }
    ADD_FAILURE() << "no user " << name;
    return {};
  }
};

TEST_P(StatsCommandTest, PerUserCountsEqualWhatEachUserLogsInTo) {
  write_config(false);
  fill(false);
  const StatsRun run = stats(true);
  ASSERT_EQ(run.status, exit_ok) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  expect_users_match_logins(j["users"]);
  // Bytewise name order, as std::map: "Carol" before "alice".
  EXPECT_EQ(j["users"][0]["name"], "Carol");
  // alpha lists 3 (one purged), beta 3, alice/mine 2, alice/.feedpop 1; she deleted 2.
  EXPECT_EQ(user_row(j["users"], "alice"),
            (nlohmann::json{{"name", "alice"}, {"visible", 7}, {"deleted", 2}}));
  // bob reads all five config feeds (3 + 3 + 2 + 0 + 3, his control feed has none); his
  // deletion in `old` is outside his mailbox.
  EXPECT_EQ(user_row(j["users"], "bob"),
            (nlohmann::json{{"name", "bob"}, {"visible", 9}, {"deleted", 2}}));
  EXPECT_EQ(user_row(j["users"], "Carol"),
            (nlohmann::json{{"name", "Carol"}, {"visible", 4}, {"deleted", 1}}));
}

TEST_P(StatsCommandTest, PerUserCountsFollowFeedAndUserDigests) {
  write_config(true);
  fill(true);
  const StatsRun run = stats(true);
  ASSERT_EQ(run.status, exit_ok) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  expect_users_match_logins(j["users"]);
  // bob sees gamma's digest (1 message) instead of its 3 entries.
  EXPECT_EQ(user_row(j["users"], "bob"),
            (nlohmann::json{{"name", "bob"}, {"visible", 7}, {"deleted", 2}}));
  // dave's digest replaces alpha and gamma: 2 messages, 1 deleted.
  EXPECT_EQ(user_row(j["users"], "dave"),
            (nlohmann::json{{"name", "dave"}, {"visible", 1}, {"deleted", 1}}));
}

TEST_P(StatsCommandTest, FeedsListTheConfigsInKeyOrderThenTheUsersOwn) {
  write_config(false);
  fill(false);
  const StatsRun run = stats(true);
  ASSERT_EQ(run.status, exit_ok) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  // The JSON is the whole document's dump(2), as DESIGN.md's shape was printed before.
  EXPECT_EQ(j.dump(2) + "\n", run.out);
  std::vector<std::string> keys;
  for (const auto& f : j["feeds"]) {
    keys.push_back(f["key"].get<std::string>());
  }
  EXPECT_EQ(keys,
            (std::vector<std::string>{"Zeta", "alpha", "beta", "delta", "gamma", "alice/mine"}));
  std::map<std::string, std::uint64_t> stored;
  for (const auto& c : store->feed_counts()) {
    stored[c.key] = c.entries;
  }
  for (const auto& f : j["feeds"]) {
    const std::string key = f["key"].get<std::string>();
    EXPECT_EQ(f["entries"].get<std::uint64_t>(), stored[key]) << key;
    EXPECT_EQ(f["source"], key == "alice/mine" ? "user" : "config") << key;
    EXPECT_EQ(f["last_status"], key == "delta" ? "never" : "ok") << key;
  }
  EXPECT_EQ(j["feeds"][1]["entries"], 4); // alpha: purged entries still count as stored
}

TEST_P(StatsCommandTest, TheTableShowsTheSameCounts) {
  write_config(false);
  fill(false);
  const StatsRun table = stats(false);
  ASSERT_EQ(table.status, exit_ok) << table.err;
  const auto j = nlohmann::json::parse(stats(true).out);
  const auto users_at = table.out.find("\nUSER ");
  ASSERT_NE(users_at, std::string::npos) << table.out;
  std::istringstream feeds(table.out.substr(0, users_at));
  std::string line;
  std::getline(feeds, line);
  EXPECT_EQ(line.rfind("FEED ", 0), 0u) << line;
  for (const auto& f : j["feeds"]) {
    ASSERT_TRUE(std::getline(feeds, line));
    std::istringstream cells(line);
    std::string key, source, status, http, entries;
    cells >> key >> source >> status >> http >> entries;
    EXPECT_EQ(key, f["key"]);
    EXPECT_EQ(entries, f["entries"].dump()) << line;
  }
  std::string expected = "\nUSER                      VISIBLE  DELETED\n";
  for (const auto& u : j["users"]) {
    expected += fmt::format("{:<24} {:>8} {:>8}\n", u["name"].get<std::string>(),
                            u["visible"].get<std::uint64_t>(), u["deleted"].get<std::uint64_t>());
  }
  EXPECT_EQ(table.out.substr(users_at), expected);
}

TEST_P(StatsCommandTest, AnEmptyStoreListsEveryFeedAsNeverPolled) {
  write_config(false);
  const StatsRun run = stats(true);
  ASSERT_EQ(run.status, exit_ok) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j.dump(2) + "\n", run.out);
  ASSERT_EQ(j["feeds"].size(), 5u);
  for (const auto& f : j["feeds"]) {
    EXPECT_EQ(f["entries"], 0);
    EXPECT_EQ(f["last_status"], "never");
  }
  for (const auto& u : j["users"]) {
    EXPECT_EQ(u["visible"], 0);
    EXPECT_EQ(u["deleted"], 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsCommandTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         storage::testing::backend_name);

// A PostgreSQL database whose collation is a language's, not bytes ("alice" < "Carol"):
// stats still merges the store's rows with the configuration in bytewise order.
using StatsCollationTest = StatsCommandTest;

TEST_P(StatsCollationTest, ALocaleCollationDoesNotReorderTheMerge) {
  if (db.scalar("SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'") == 0) {
    GTEST_SKIP() << "this PostgreSQL has no ICU collations";
  }
  write_config(false);
  fill(false);
  storage::pg::Connection(db.url()).exec_script(
      "ALTER TABLE users ALTER COLUMN name TYPE text COLLATE \"und-x-icu\"; "
      "ALTER TABLE feeds ALTER COLUMN key TYPE text COLLATE \"und-x-icu\"");
  ASSERT_EQ(db.column("SELECT name FROM users ORDER BY name"),
            (std::vector<std::string>{"alice", "bob", "Carol", "zed"}));
  const StatsRun run = stats(true);
  ASSERT_EQ(run.status, exit_ok) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  expect_users_match_logins(j["users"]);
  EXPECT_EQ(j["feeds"][0]["key"], "Zeta");
  EXPECT_EQ(j["feeds"][0]["last_status"], "ok");
  EXPECT_EQ(j["feeds"][0]["entries"], 2);
}

INSTANTIATE_TEST_SUITE_P(PostgreSQL, StatsCollationTest, ::testing::Values(Backend::postgresql),
                         storage::testing::backend_name);

} // namespace
} // namespace feedpop::gateway
