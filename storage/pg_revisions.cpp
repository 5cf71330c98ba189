// PgStore: revisions of entries of feeds tracking updates (store.hpp NewEntry::revises,
// entry_revisions(); table `revisions`, pg_migrations.cpp v4).
#include "storage/pg_store.hpp"
#include "storage/uidl.hpp"

namespace feedpop::storage {

namespace {

// Run per polled entry of a feed tracking updates: prepared once per connection.
const pg::Statement select_revisions{
    "select_revisions",
    "SELECT e.identity, e.state, r.revision, r.revised_at FROM entries e LEFT JOIN revisions r "
    "ON r.entry_id = e.id WHERE e.uidl = ANY($1::text[])"};
const pg::Statement revise_entry{
    "revise_entry",
    "UPDATE entries SET content_hash = $1 WHERE uidl = $2 AND identity = $3 RETURNING id"};
const pg::Statement upsert_revision{
    "upsert_revision",
    "INSERT INTO revisions (entry_id, revision, revised_at) VALUES ($1, $2, $3) ON CONFLICT "
    "(entry_id) DO UPDATE SET revision = coalesce(excluded.revision, revisions.revision), "
    "revised_at = coalesce(excluded.revised_at, revisions.revised_at)"};

} // namespace

std::vector<EntryRevision> PgStore::entry_revisions(std::string_view feed_key,
                                                    const std::vector<std::string>& identities) {
  std::vector<std::string> uidls;
  uidls.reserve(identities.size());
  for (const std::string& identity : identities) {
    uidls.push_back(derive_uidl(feed_key, identity));
  }
  auto r = db_.exec(select_revisions, {pg::text_array(uidls)});
  std::vector<EntryRevision> found;
  for (int i = 0; i < r.rows(); ++i) {
    EntryRevision e;
    e.identity = r.text(i, 0);
    e.delivered = r.int64(i, 1) != 0;
    e.revision = r.opt_text(i, 2);
    if (const auto at = r.opt_int64(i, 3)) {
      e.revised_at = Time(std::chrono::seconds(*at));
    }
    found.push_back(std::move(e));
  }
  // In the order asked, identities checked (a UIDL names exactly one identity).
  std::vector<EntryRevision> out;
  for (const std::string& identity : identities) {
    for (EntryRevision& e : found) {
      if (e.identity == identity) {
        out.push_back(e);
        break;
      }
    }
  }
  return out;
}

void PgStore::revise(std::string_view feed_key, const NewEntry& e) {
  const std::string uidl = derive_uidl(feed_key, e.identity);
  auto r = db_.exec(revise_entry, {std::string_view(e.content_hash), std::string_view(uidl),
                                   std::string_view(e.identity)});
  if (r.rows() == 0) {
    return; // not stored: nothing to revise
  }
  if (e.revision || e.revised_at) {
    save_revision(r.int64(0, 0), e.revision, e.revised_at);
  }
}

void PgStore::save_revision(std::int64_t entry, const std::optional<std::string>& revision,
                            const std::optional<Time>& revised_at) {
  std::optional<std::int64_t> at;
  if (revised_at) {
    at = revised_at->time_since_epoch().count();
  }
  db_.exec(upsert_revision, {entry, revision, at});
}

} // namespace feedpop::storage
