// The readers' MailboxCache (storage/mailbox_cache.hpp) reads cold lists outside its mutex:
// a login that must wait for a feed's list holds up no login of other feeds, two logins of
// one cold feed read it once, a list read while its feed changed serves its own login and is
// not kept, and under ingest every login lists exactly one committed state of the database,
// checked against the rows themselves. Both backends (…/sqlite, …/postgresql).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <random>
#include <thread>
#include <unordered_set>

#include "storage/mailbox_cache.hpp"
#include "storage/store.hpp"
#include "tests/storage/backends.hpp"

namespace feedpop::storage {
namespace {

using namespace std::chrono_literals;
using testing::Backend;
using testing::BackendDatabase;

// How long a login that must not be held up may take before the test gives up on it.
constexpr auto patience = 30s;

NewEntry entry(const std::string& identity) {
  return NewEntry{identity,
                  std::string(1, 'h'),
                  fmt::format("Subject: {}\r\n\r\nbody {}\r\n", identity, identity),
                  std::nullopt,
                  true,
                  {}};
}

std::vector<std::string> listing(const std::vector<MailboxItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    out.push_back(fmt::format("{} {} {} {}", i.id, i.uidl, i.size, i.feed_key));
  }
  return out;
}

// Polls `done` until it holds or `patience` runs out.
template <class Fn> bool eventually(Fn&& done) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// SQLite's snapshot reads (the same statements as sqlite_mailbox.cpp's reader) in one read
// transaction of a connection of its own, whose load() can be held at a gate: a SQLite
// reader never waits for a lock (WAL), so nothing real makes a load slow at a chosen moment.
class GatedSqliteReader final : public SnapshotReader {
public:
  explicit GatedSqliteReader(const std::string& path) : db_(path) { db_.exec("BEGIN"); }
  ~GatedSqliteReader() override { db_.exec("COMMIT"); }

  std::future<void> entered() { return entered_.get_future(); }
  void open_gate() {
    if (!open_) {
      open_ = true;
      gate_.set_value();
    }
  }

  std::int64_t changes(std::optional<std::int64_t> since,
                       std::vector<std::int64_t>& changed) override {
    std::int64_t mark = since.value_or(0);
    sqlite::Statement st(db_, "SELECT feed_id, seq FROM feed_changes WHERE seq > ?1");
    st.bind(1, mark);
    while (st.step()) {
      if (since) {
        changed.push_back(st.int64(0));
      }
      mark = std::max(mark, st.int64(1));
    }
    return mark;
  }
  std::vector<std::optional<std::int64_t>>
  feed_ids(const std::vector<std::string_view>& keys) override {
    std::vector<std::optional<std::int64_t>> out;
    sqlite::Statement st(db_, "SELECT id FROM feeds WHERE key = ?1");
    for (const auto key : keys) {
      st.bind(1, key);
      out.push_back(st.step() ? std::optional(st.int64(0)) : std::nullopt);
      st.reset();
    }
    return out;
  }
  void load(const std::vector<std::int64_t>& feeds,
            std::vector<std::shared_ptr<FeedEntries>>& out) override {
    entered_.set_value();
    gate_.get_future().wait();
    sqlite::Statement st(db_, "SELECT id, size, uidl FROM entries WHERE feed_id = ?1 AND "
                              "state = 1 ORDER BY id");
    for (const std::int64_t feed : feeds) {
      auto entries = std::make_shared<FeedEntries>();
      st.bind(1, feed);
      while (st.step()) {
        entries->add(st.int64(0), static_cast<std::uint64_t>(st.int64(1)), st.blob(2));
      }
      st.reset();
      out.push_back(std::move(entries));
    }
  }
  std::vector<EntryId> deletions(std::string_view) override { return {}; }

private:
  sqlite::Database db_;
  std::promise<void> entered_;
  std::promise<void> gate_;
  bool open_ = false;
};

// Runs `fn` when the scope ends (a failed assertion must not leave a thread waiting).
template <class Fn> struct AtExit {
  Fn fn;
  ~AtExit() { fn(); }
};
template <class Fn> AtExit(Fn) -> AtExit<Fn>;

class MailboxCacheConcurrencyTest : public ::testing::TestWithParam<Backend> {
protected:
  BackendDatabase db{GetParam()};
  Time clock_now = Time(std::chrono::seconds(1'700'000'000));
  std::unique_ptr<Store> writer;
  std::shared_ptr<MailboxCache> cache = std::make_shared<MailboxCache>();

  void SetUp() override {
    if (!db.usable()) {
      return;
    }
    writer = open(Role::writer, nullptr);
  }
  std::unique_ptr<Store> open(Role role, std::shared_ptr<MailboxCache> shared) {
    StoreOptions options;
    options.clock = [this] { return clock_now; };
    options.mailbox_cache = std::move(shared);
    return db.open(role, options);
  }
  void insert(const std::string& feed, const std::vector<std::string>& identities) {
    std::vector<NewEntry> entries;
    for (const auto& id : identities) {
      entries.push_back(entry(id));
    }
    writer->insert_entries(feed, entries, FeedState{});
  }
  std::vector<std::string> fresh(const std::string& user, const std::vector<std::string>& feeds) {
    return listing(open(Role::reader, nullptr)->snapshot(user, feeds));
  }
  // Feeds f6 and f7 are stored only by the writer's later commits.
  const std::vector<std::string> keys{"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"};
  const std::vector<std::string> users{"alice", "bob"};
  // One line "id size key" per entry `user` sees, in arrival order, read from the rows.
  std::vector<std::string> state(const std::string& user) const {
    return db.column("SELECT e.id || ' ' || e.size || ' ' || f.key FROM entries e JOIN feeds f "
                     "ON f.id = e.feed_id WHERE e.state = 1 AND e.id NOT IN (SELECT d.entry_id "
                     "FROM deletions d JOIN users u ON u.id = d.user_id WHERE u.name = '" +
                     user + "') ORDER BY e.id");
  }
  // One commit of the writer: an entry, a retention purge, or a deletion of alice's.
  void random_commit(std::mt19937& rng, Store& deleter, const std::string& tag) {
    const std::string& feed = keys[rng() % keys.size()];
    if (const auto op = rng() % 5; op < 3) {
      insert(feed, {feed + "-" + tag});
    } else if (op == 3) {
      writer->purge_retention(feed, std::nullopt, 1 + rng() % 3, clock_now, {});
    } else {
      const auto box = deleter.snapshot("alice", keys);
      deleter.commit_deletions("alice", {box.empty() ? 0 : box[rng() % box.size()].id});
    }
  }
  // PostgreSQL sessions waiting for a lock on this database's `entries`.
  std::int64_t lock_waits() const {
    return db.scalar("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                     "'entries'::regclass AND database = (SELECT oid FROM pg_database WHERE "
                     "datname = current_database())");
  }
};

// A real wait: another session holds `entries` exclusively, so the login of a cold feed
// waits inside its load. A login of a feed already cached finishes meanwhile.
TEST_P(MailboxCacheConcurrencyTest, ALoginIsNotHeldUpByAnotherWaitingToLoadAColdFeed) {
  if (GetParam() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite readers never wait for a lock (WAL): see "
                    "AListLoadedWhileItsFeedChangesServesItsLoginAndIsNotKept";
  }
  insert("cold", {"c1", "c2"});
  insert("warm", {"w1"});
  auto warm = open(Role::reader, cache);
  auto cold = open(Role::reader, cache);
  ASSERT_EQ(warm->snapshot("bob", {"warm"}).size(), 1u);

  std::future<std::vector<MailboxItem>> waiting; // ends after the locker's session
  pg::Connection locker(db.url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE entries IN ACCESS EXCLUSIVE MODE");
  waiting = std::async(std::launch::async, [&] { return cold->snapshot("alice", {"cold"}); });
  ASSERT_TRUE(eventually([&] { return lock_waits() == 1; }));
  auto other = std::async(std::launch::async, [&] { return warm->snapshot("bob", {"warm"}); });
  const bool proceeded = other.wait_for(patience) == std::future_status::ready;
  EXPECT_EQ(lock_waits(), 1);
  locker.exec("ROLLBACK");
  EXPECT_TRUE(proceeded) << "the warm login waited for the cold one's load";
  EXPECT_EQ(listing(other.get()), fresh("bob", {"warm"}));
  EXPECT_EQ(listing(waiting.get()), fresh("alice", {"cold"}));
}

// The second login of a feed being loaded waits for that load instead of reading the list
// again: one session waits for the lock, and the list is read once.
TEST_P(MailboxCacheConcurrencyTest, TwoLoginsOfOneColdFeedReadItOnce) {
  if (GetParam() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite readers never wait for a lock (WAL)";
  }
  insert("cold", {"c1", "c2", "c3"});
  auto first = open(Role::reader, cache);
  auto second = open(Role::reader, cache);
  const auto before = cache->counters();

  std::future<std::vector<MailboxItem>> one, two; // end after the locker's session
  pg::Connection locker(db.url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE entries IN ACCESS EXCLUSIVE MODE");
  one = std::async(std::launch::async, [&] { return first->snapshot("alice", {"cold"}); });
  ASSERT_TRUE(eventually([&] { return lock_waits() == 1; }));
  two = std::async(std::launch::async, [&] { return second->snapshot("bob", {"cold"}); });
  const bool joined = eventually([&] { return cache->counters().joined == before.joined + 1; });
  EXPECT_EQ(lock_waits(), 1);
  locker.exec("ROLLBACK");
  EXPECT_TRUE(joined);
  EXPECT_EQ(listing(one.get()), fresh("alice", {"cold"}));
  EXPECT_EQ(listing(two.get()), fresh("bob", {"cold"}));
  EXPECT_EQ(cache->counters().loaded, before.loaded + 1);
}

// The login whose load another waits for loses its connection: it fails, and the waiting
// login reads the list itself, in its own snapshot.
TEST_P(MailboxCacheConcurrencyTest, WhenTheLoadALoginWaitsForFailsItReadsTheListItself) {
  if (GetParam() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite readers never wait for a lock (WAL)";
  }
  insert("cold", {"c1", "c2"});
  auto first = open(Role::reader, cache);
  auto second = open(Role::reader, cache);
  const auto before = cache->counters();

  std::future<std::vector<MailboxItem>> one, two; // end after the locker's session
  pg::Connection locker(db.url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE entries IN ACCESS EXCLUSIVE MODE");
  one = std::async(std::launch::async, [&] { return first->snapshot("alice", {"cold"}); });
  ASSERT_TRUE(eventually([&] { return lock_waits() == 1; }));
  two = std::async(std::launch::async, [&] { return second->snapshot("bob", {"cold"}); });
  ASSERT_TRUE(eventually([&] { return cache->counters().joined == before.joined + 1; }));
  EXPECT_EQ(db.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE NOT "
                      "granted AND relation = 'entries'::regclass"),
            1);
  EXPECT_THROW(one.get(), StoreError);
  ASSERT_TRUE(eventually([&] { return lock_waits() == 1; })); // the second reads it now
  locker.exec("ROLLBACK");
  EXPECT_EQ(listing(two.get()), fresh("bob", {"cold"}));
  EXPECT_EQ(listing(open(Role::reader, cache)->snapshot("carol", {"cold"})),
            fresh("carol", {"cold"}));
}

// A login whose snapshot predates an entry of its cold feed is held in its load while the
// entry is committed and another login's refresh sees the change. The held login lists its
// own snapshot (without the entry); the list is not kept, so the next login has the entry.
TEST_P(MailboxCacheConcurrencyTest, AListLoadedWhileItsFeedChangesServesItsLoginAndIsNotKept) {
  if (GetParam() == Backend::postgresql) {
    GTEST_SKIP() << "the gated reader is SQLite's; PostgreSQL's side is the lock tests";
  }
  insert("a", {"a1"});
  insert("b", {"b1"});
  auto other = open(Role::reader, cache);
  {
    GatedSqliteReader gated(db.sqlite_path());
    auto entered = gated.entered();
    auto held =
        std::async(std::launch::async, [&] { return cache->snapshot(gated, "alice", {"a"}); });
    const AtExit opened{[&] { gated.open_gate(); }};
    ASSERT_EQ(entered.wait_for(patience), std::future_status::ready);
    insert("a", {"a2"});
    auto b = std::async(std::launch::async, [&] { return other->snapshot("alice", {"b"}); });
    const bool proceeded = b.wait_for(patience) == std::future_status::ready;
    gated.open_gate();
    EXPECT_TRUE(proceeded) << "the login of b waited for the load of a";
    const auto own = held.get();
    ASSERT_EQ(own.size(), 1u); // the held login's snapshot: before a2
    EXPECT_EQ(listing(b.get()), fresh("alice", {"b"}));
  }
  const auto next = other->snapshot("alice", {"a"});
  EXPECT_EQ(next.size(), 2u);
  EXPECT_EQ(listing(next), fresh("alice", {"a"}));
}

// One login of the test below: "id size" per listed message, and the writer's commits
// around it (its snapshot is the state after commit k for some k in [after, before]).
struct Seen {
  int after, before;
  std::size_t user;
  std::vector<std::string> keys, lines;
};
// history[k][u]: user u's "id size key" lines after the writer's k-th commit.
using History = std::vector<std::vector<std::vector<std::string>>>;

bool is_a_state_of(const Seen& login, const History& history) {
  const std::unordered_set<std::string> wanted(login.keys.begin(), login.keys.end());
  for (int k = login.after; k <= login.before; ++k) {
    std::vector<std::string> lines;
    for (const auto& row : history[static_cast<std::size_t>(k)][login.user]) {
      const auto key_at = row.rfind(' ');
      if (wanted.contains(row.substr(key_at + 1))) {
        lines.push_back(row.substr(0, key_at));
      }
    }
    if (lines == login.lines) {
      return true;
    }
  }
  return false;
}

// Four readers of one node log in as alice or bob with random sets of feeds (some stored only
// later) while the writer ingests, purges and commits alice's deletions. After each of the
// writer's commits the rows themselves are read (`state` below); every listing must equal
// that state, filtered to its feeds, after some commit that was made while it ran. A small
// cache budget makes lists forgotten and loaded again throughout.
TEST_P(MailboxCacheConcurrencyTest, EveryLoginUnderIngestListsOneCommittedStateOfTheRows) {
  for (const std::size_t budget : {MailboxCache::default_max_bytes, std::size_t{3000}}) {
    for (std::size_t f = 0; f < 6; ++f) {
      insert(keys[f], {fmt::format("{}-{}-0", keys[f], budget)});
    }
    History history{{state("alice"), state("bob")}};
    std::atomic<int> started{0};
    std::atomic<int> committed{0};
    constexpr int commits = 80;
    std::thread ingest([&] {
      std::mt19937 rng(static_cast<unsigned>(budget));
      auto deleter = open(Role::reader, nullptr);
      for (int k = 1; k <= commits; ++k) {
        started = k;
        random_commit(rng, *deleter, fmt::format("{}-{}", budget, k));
        history.push_back({state("alice"), state("bob")});
        committed = k;
      }
    });
    auto shared = std::make_shared<MailboxCache>(budget);
    std::vector<std::vector<Seen>> seen(4);
    std::vector<std::thread> readers;
    for (unsigned r = 0; r < 4; ++r) {
      readers.emplace_back([&, r] {
        auto store = open(Role::reader, shared);
        std::mt19937 rng(r + 1);
        for (bool last = false; !last;) {
          last = committed == commits;
          Seen login{committed, 0, rng() % 2, keys, {}};
          std::shuffle(login.keys.begin(), login.keys.end(), rng);
          login.keys.resize(1 + rng() % keys.size());
          const MailboxListing box = store->listing(users[login.user], login.keys);
          login.before = started;
          for (std::size_t i = 0; i < box.ids.size(); ++i) {
            login.lines.push_back(fmt::format("{} {}", box.ids[i], box.sizes[i]));
          }
          seen[r].push_back(std::move(login));
        }
      });
    }
    ingest.join();
    for (auto& t : readers) {
      t.join();
    }
    for (const auto& per_reader : seen) {
      ASSERT_FALSE(per_reader.empty());
      for (const Seen& login : per_reader) {
        ASSERT_TRUE(is_a_state_of(login, history))
            << users[login.user] << " listed " << login.lines.size()
            << " entries, no state of commits " << login.after << ".." << login.before;
      }
    }
    EXPECT_GT(shared->counters().loaded, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MailboxCacheConcurrencyTest,
                         ::testing::Values(Backend::sqlite, Backend::postgresql),
                         testing::backend_name);

} // namespace
} // namespace feedpop::storage
