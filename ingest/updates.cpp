#include "ingest/updates.hpp"

#include "ingest/ingest.hpp"
#include "ingest/revisions.hpp"
#include "mail/render.hpp"

namespace feedpop::ingest {

namespace {

storage::NewEntry revise(const ChangedEntry& c, std::optional<std::string> revision = std::nullopt,
                         std::optional<storage::Time> at = std::nullopt) {
  storage::NewEntry r;
  r.identity = c.identity;
  r.content_hash = c.hash;
  r.deliver = false;
  r.revises = true;
  r.revision = std::move(revision);
  r.revised_at = at;
  return r;
}

} // namespace

UpdatePlan plan_updates(const UpdateInput& in, const std::vector<ChangedEntry>& changed,
                        const std::vector<storage::EntryRevision>& stored) {
  UpdatePlan plan;
  for (const ChangedEntry& c : changed) {
    const storage::EntryRevision* r = nullptr;
    for (const auto& s : stored) {
      if (s.identity == c.identity) {
        r = &s;
        break;
      }
    }
    if (r == nullptr || !r->delivered) {
      plan.revisions.push_back(revise(c)); // readers never got it: nothing to update
      continue;
    }
    std::string now_revision = revision_of(in.feed->entries[c.index]);
    if (!r->revision) {
      plan.revisions.push_back(revise(c, std::move(now_revision))); // the reference from now on
      continue;
    }
    const Change change = compare_revisions(*r->revision, now_revision);
    if (!change.substantial()) {
      plan.revisions.push_back(revise(c));
      continue;
    }
    if (r->revised_at && in.now - *r->revised_at < update_interval) {
      continue; // one update a day: decided again by a later poll
    }
    std::string versioned = version_identity(c.identity, c.hash);
    if (in.known->contains(versioned)) {
      // This very version was mailed before (A → B → A → B): readers have it already.
      plan.revisions.push_back(revise(c, std::move(now_revision)));
      continue;
    }
    plan.send.push_back({c.index, std::move(versioned), c.hash,
                         mail::message_id(in.config->key, c.identity, in.hostname),
                         change_summary(change)});
    plan.revisions.push_back(revise(c, std::move(now_revision), in.now));
  }
  return plan;
}

} // namespace feedpop::ingest
