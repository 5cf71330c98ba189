// POP3 logins through StoreAuthenticator on a real PostgreSQL (storage.backend:
// postgresql): sessions on eight threads log in, read and delete at once over a pool of
// two connections, and after the server drops every connection (pg_terminate_backend, as a
// restart does) the next login, read and QUIT work. Skips where PostgreSQL is absent.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "gateway/store_adapter.hpp"
#include "storage/pg_conn.hpp"
#include "tests/support/postgres_server.hpp"

namespace feedpop::gateway {
namespace {

using namespace std::chrono_literals;

constexpr const char* application = "pg_login_test";

storage::NewEntry entry(const std::string& id) {
  storage::NewEntry e;
  e.identity = id;
  e.content_hash = "h-" + id;
  e.message = "Subject: " + id + "\r\n\r\n" + std::string(5000, 'x') + "\r\n";
  return e;
}

std::shared_ptr<const Config> config_of(int users) {
  Config c;
  FeedConfig feed;
  feed.key = "lwn";
  c.feeds["lwn"] = feed;
  for (int i = 0; i < users; ++i) {
    UserConfig u;
    u.name = "user" + std::to_string(i);
    u.password = "secret";
    c.users[u.name] = u;
  }
  return std::make_shared<const Config>(std::move(c));
}

std::string pull(pop3::Maildrop& m, std::size_t index) {
  std::string out;
  char buf[1000];
  for (std::size_t n; (n = m.read_at(index, out.size(), buf, sizeof buf)) > 0;) {
    out.append(buf, n);
  }
  return out;
}

class PgLogin : public ::testing::Test {
protected:
  void SetUp() override {
    auto& server = feedpop::testing::PostgresServer::shared();
    if (!server.available()) {
      if (server.installed()) {
        FAIL() << "PostgreSQL: " << server.reason();
      }
      GTEST_SKIP() << "PostgreSQL: " << server.reason();
    }
    admin_url_ = server.create_database();
    url_ = admin_url_ + " application_name=" + application;
    options_.pool_size = 2;
    writer_ = storage::open_postgresql_store(url_, storage::Role::writer, options_);
    std::vector<storage::NewEntry> entries;
    for (int i = 0; i < 30; ++i) {
      entries.push_back(entry("e" + std::to_string(i)));
    }
    storage::FeedState state;
    state.key = "lwn";
    writer_->insert_entries("lwn", entries, state);
  }
  std::shared_ptr<StoreAuthenticator> make_auth(int users) {
    // No message cache: every RETR reads the store.
    return std::make_shared<StoreAuthenticator>(
        [this] { return storage::open_postgresql_store(url_, storage::Role::reader, options_); },
        config_of(users), 8, 0);
  }
  std::int64_t scalar(const std::string& sql) const {
    return storage::pg::Connection(admin_url_).exec(sql).int64(0, 0);
  }
  std::int64_t pooled_backends() const {
    return scalar(std::string("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                              "current_database() AND application_name = '") +
                  application + "'");
  }

  std::string admin_url_;
  std::string url_;
  storage::StoreOptions options_;
  std::unique_ptr<storage::Store> writer_;
};

TEST_F(PgLogin, SessionsOnEightThreadsShareTwoConnections) {
  auto auth = make_auth(8);
  std::atomic<int> failures{0};
  std::atomic<std::int64_t> most{0};
  std::atomic<bool> running{true};
  std::thread sampler([&] {
    while (running) {
      most = std::max(most.load(), pooled_backends());
      std::this_thread::sleep_for(5ms);
    }
  });
  std::vector<std::thread> sessions;
  for (int t = 0; t < 8; ++t) {
    sessions.emplace_back([&, t] {
      try {
        for (int round = 0; round < 10; ++round) {
          auto box = auth->open("user" + std::to_string(t));
          if (box->messages().size() != static_cast<std::size_t>(30 - round) ||
              pull(*box, 0).find("Subject: e") != 0) {
            ++failures;
          }
          box->commit({0}); // QUIT after DELE 1
        }
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& s : sessions) {
    s.join();
  }
  running = false;
  sampler.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(most.load(), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM deletions"), 8 * 10);
}

TEST_F(PgLogin, TheNextLoginReadAndQuitWorkAfterTheServerDroppedTheConnections) {
  auto auth = make_auth(1);
  ASSERT_EQ(auth->open("user0")->messages().size(), 30u);
  const std::string terminate =
      std::string("SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM "
                  "pg_stat_activity WHERE datname = current_database() AND application_name = "
                  "'") +
      application + "') AS ended";
  ASSERT_GE(scalar(terminate), 1);
  auto box = auth->open("user0"); // login: the user's feeds and the snapshot, both reads
  ASSERT_EQ(box->messages().size(), 30u);
  ASSERT_GE(scalar(terminate), 1);
  EXPECT_EQ(pull(*box, 1).substr(0, 11), "Subject: e1"); // RETR
  ASSERT_GE(scalar(terminate), 1);
  box->commit({0, 1}); // QUIT: one transaction
  EXPECT_EQ(auth->open("user0")->messages().size(), 28u);
}

} // namespace
} // namespace feedpop::gateway
