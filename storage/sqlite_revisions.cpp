// SqliteStore: revisions of entries of feeds tracking updates (store.hpp NewEntry::revises,
// entry_revisions(); table `revisions`, migrations.cpp v6).
#include "storage/sqlite_store.hpp"
#include "storage/uidl.hpp"

namespace feedpop::storage {

std::vector<EntryRevision>
SqliteStore::entry_revisions(std::string_view feed_key,
                             const std::vector<std::string>& identities) {
  // By UIDL: the unique index finds each entry directly (the identity is checked too).
  sqlite::Statement st(db_, "SELECT e.state, r.revision, r.revised_at FROM entries e LEFT JOIN "
                            "revisions r ON r.entry_id = e.id WHERE e.uidl = ?1 AND "
                            "e.identity = ?2");
  std::vector<EntryRevision> out;
  for (const std::string& identity : identities) {
    const std::string uidl = derive_uidl(feed_key, identity);
    st.bind(1, std::string_view(uidl)).bind(2, std::string_view(identity));
    if (st.step()) {
      EntryRevision r;
      r.identity = identity;
      r.delivered = st.int64(0) != 0;
      r.revision = st.opt_text(1);
      if (const auto at = st.opt_int64(2)) {
        r.revised_at = Time(std::chrono::seconds(*at));
      }
      out.push_back(std::move(r));
    }
    st.reset();
  }
  return out;
}

void SqliteStore::revise(std::string_view feed_key, const NewEntry& e) {
  const std::string uidl = derive_uidl(feed_key, e.identity);
  sqlite::Statement find(db_, "SELECT id FROM entries WHERE uidl = ?1 AND identity = ?2");
  find.bind(1, std::string_view(uidl)).bind(2, std::string_view(e.identity));
  if (!find.step()) {
    return; // not stored: nothing to revise
  }
  const std::int64_t entry = find.int64(0);
  find.reset();
  sqlite::Statement update(db_, "UPDATE entries SET content_hash = ?1 WHERE id = ?2");
  update.bind(1, std::string_view(e.content_hash)).bind(2, entry).run();
  if (e.revision || e.revised_at) {
    save_revision(entry, e.revision, e.revised_at);
  }
}

void SqliteStore::save_revision(std::int64_t entry, const std::optional<std::string>& revision,
                                const std::optional<Time>& revised_at) {
  sqlite::Statement st(db_, "INSERT INTO revisions (entry_id, revision, revised_at) VALUES (?1, "
                            "?2, ?3) ON CONFLICT (entry_id) DO UPDATE SET revision = "
                            "coalesce(excluded.revision, revision), revised_at = "
                            "coalesce(excluded.revised_at, revised_at)");
  std::optional<std::int64_t> at;
  if (revised_at) {
    at = revised_at->time_since_epoch().count();
  }
  st.bind(1, entry).bind(2, revision).bind(3, at).run();
}

} // namespace feedpop::storage
