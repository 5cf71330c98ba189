// PgStore: feeds that users added themselves (table user_feeds, pg_migrations.cpp v2). The
// same contract as SqliteStore's (sqlite_user_feeds.cpp): RETURNING tells whether a row
// changed, so each call is one statement and one round trip.

#include <sstream>

#include "storage/pg_store.hpp"

namespace feedpop::storage {

namespace {

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const auto& t : tags) {
    out += (out.empty() ? "" : " ") + t;
  }
  return out;
}

std::vector<std::string> split_tags(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string t; in >> t;) {
    out.push_back(t);
  }
  return out;
}

// Read at every POP3 login (the user's own feeds join the mailbox): prepared once per
// connection (pg_conn.hpp).
const pg::Statement select_user_feeds{"user_feeds",
                                      "SELECT owner, key, url, tags, paused, created FROM "
                                      "user_feeds WHERE $1 = '' OR owner = $1 ORDER BY owner, key"};

} // namespace

bool PgStore::add_user_feed(const UserFeed& feed) {
  const auto created = feed.created == Time{} ? now() : feed.created;
  return db_.exec("INSERT INTO user_feeds (owner, key, url, tags, paused, created) "
                  "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, key) DO NOTHING "
                  "RETURNING 1",
                  {pg::Param(std::string_view(feed.owner)), pg::Param(std::string_view(feed.key)),
                   pg::Param(std::string_view(feed.url)), pg::Param(join_tags(feed.tags)),
                   pg::Param(std::int64_t{feed.paused ? 1 : 0}),
                   pg::Param(static_cast<std::int64_t>(created.time_since_epoch().count()))})
             .rows() == 1;
}

bool PgStore::remove_user_feed(std::string_view owner, std::string_view key) {
  return db_.exec("DELETE FROM user_feeds WHERE owner = $1 AND key = $2 RETURNING 1",
                  {pg::Param(owner), pg::Param(key)})
             .rows() == 1;
}

bool PgStore::set_user_feed_paused(std::string_view owner, std::string_view key, bool paused) {
  return db_.exec("UPDATE user_feeds SET paused = $3 WHERE owner = $1 AND key = $2 RETURNING 1",
                  {pg::Param(owner), pg::Param(key), pg::Param(std::int64_t{paused ? 1 : 0})})
             .rows() == 1;
}

std::vector<UserFeed> PgStore::user_feeds(std::string_view owner) {
  const auto r = db_.exec(select_user_feeds, {pg::Param(owner)});
  std::vector<UserFeed> out;
  for (int row = 0; row < r.rows(); ++row) {
    UserFeed f;
    f.owner = r.text(row, 0);
    f.key = r.text(row, 1);
    f.url = r.text(row, 2);
    f.tags = split_tags(r.text(row, 3));
    f.paused = r.int64(row, 4) != 0;
    f.created = Time(std::chrono::seconds(r.int64(row, 5)));
    out.push_back(std::move(f));
  }
  return out;
}

std::size_t PgStore::count_user_feeds(std::string_view owner) {
  return static_cast<std::size_t>(
      db_.exec("SELECT count(*) FROM user_feeds WHERE owner = $1", {pg::Param(owner)}).int64(0, 0));
}

} // namespace feedpop::storage
