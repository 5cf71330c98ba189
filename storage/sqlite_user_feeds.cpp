// SqliteStore: feeds that users added themselves (table user_feeds, migrations.cpp v4).

#include <sstream>

#include "storage/sqlite_store.hpp"

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

} // namespace

bool SqliteStore::add_user_feed(const UserFeed& feed) {
  sqlite::Transaction txn(db_);
  sqlite::Statement st(db_, "INSERT INTO user_feeds (owner, key, url, tags, paused, created) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (owner, key) DO NOTHING");
  const auto created = feed.created == Time{} ? now() : feed.created;
  st.bind(1, std::string_view(feed.owner)).bind(2, std::string_view(feed.key));
  st.bind(3, std::string_view(feed.url)).bind(4, std::string_view(join_tags(feed.tags)));
  st.bind(5, std::int64_t{feed.paused ? 1 : 0}).bind(6, created.time_since_epoch().count());
  st.run();
  const bool added = db_.changes() == 1;
  txn.commit();
  return added;
}

bool SqliteStore::remove_user_feed(std::string_view owner, std::string_view key) {
  sqlite::Transaction txn(db_);
  sqlite::Statement st(db_, "DELETE FROM user_feeds WHERE owner = ?1 AND key = ?2");
  st.bind(1, owner).bind(2, key);
  st.run();
  const bool removed = db_.changes() == 1;
  txn.commit();
  return removed;
}

bool SqliteStore::set_user_feed_paused(std::string_view owner, std::string_view key, bool paused) {
  sqlite::Transaction txn(db_);
  sqlite::Statement st(db_, "UPDATE user_feeds SET paused = ?3 WHERE owner = ?1 AND key = ?2");
  st.bind(1, owner).bind(2, key).bind(3, std::int64_t{paused ? 1 : 0});
  st.run();
  const bool found = db_.changes() == 1;
  txn.commit();
  return found;
}

std::vector<UserFeed> SqliteStore::user_feeds(std::string_view owner) {
  sqlite::Statement st(db_, "SELECT owner, key, url, tags, paused, created FROM user_feeds "
                            "WHERE ?1 = '' OR owner = ?1 ORDER BY owner, key");
  st.bind(1, owner);
  std::vector<UserFeed> out;
  while (st.step()) {
    UserFeed f;
    f.owner = st.text(0);
    f.key = st.text(1);
    f.url = st.text(2);
    f.tags = split_tags(st.text(3));
    f.paused = st.int64(4) != 0;
    f.created = Time(std::chrono::seconds(st.int64(5)));
    out.push_back(std::move(f));
  }
  return out;
}

std::size_t SqliteStore::count_user_feeds(std::string_view owner) {
  sqlite::Statement st(db_, "SELECT count(*) FROM user_feeds WHERE owner = ?1");
  st.bind(1, owner);
  st.step();
  return static_cast<std::size_t>(st.int64(0));
}

} // namespace feedpop::storage
