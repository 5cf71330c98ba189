// PgStore: the reads of `feedpop stats` over every feed and user (store.hpp), streamed
// through a cursor so that a client holds a batch of rows, not 100,000 feeds at once.
#include "storage/pg_store.hpp"

namespace feedpop::storage {

namespace {
constexpr int batch_rows = 5000;
}

void PgStore::each_row(const std::string& sql,
                       const std::function<void(const pg::Result&, int)>& each) {
  // A cursor lives in its transaction, which also gives every batch the same snapshot.
  pg::Transaction txn(db_);
  db_.exec("DECLARE feedpop_stats NO SCROLL CURSOR FOR " + sql);
  const std::string fetch = "FETCH FORWARD " + std::to_string(batch_rows) + " FROM feedpop_stats";
  for (;;) {
    const pg::Result r = db_.exec(fetch);
    for (int i = 0; i < r.rows(); ++i) {
      each(r, i);
    }
    if (r.rows() < batch_rows) {
      break;
    }
  }
  txn.commit(); // closes the cursor
}

void PgStore::each_user_deletions(const std::function<void(const UserDeletions&)>& each) {
  // COLLATE "C": bytewise, as store.hpp promises, whatever the database's collation.
  UserDeletions user;
  each_row("SELECT u.name, f.key, count(*) FROM users u JOIN deletions d ON d.user_id = u.id "
           "JOIN entries e ON e.id = d.entry_id AND e.state = 1 JOIN feeds f ON f.id = "
           "e.feed_id GROUP BY u.name, f.key ORDER BY u.name COLLATE \"C\"",
           [&](const pg::Result& r, int i) {
             std::string name = r.text(i, 0);
             if (name != user.user && !user.feeds.empty()) {
               each(user);
               user.feeds.clear();
             }
             user.user = std::move(name);
             user.feeds.emplace_back(r.text(i, 1), static_cast<std::uint64_t>(r.int64(i, 2)));
           });
  if (!user.feeds.empty()) {
    each(user);
  }
}

} // namespace feedpop::storage
