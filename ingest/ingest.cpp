#include "ingest/ingest.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "content/tracking.hpp"
#include "feeds/html.hpp"
#include "feeds/identity.hpp"
#include "ingest/revisions.hpp"
#include "ingest/updates.hpp"
#include "mail/digest.hpp"
#include "mail/render.hpp"

namespace feedpop::ingest {

namespace {

std::optional<storage::Time> entry_date(const feeds::Entry& e) {
  return e.published ? e.published : e.updated;
}

struct Candidate {
  std::size_t index;
  std::string identity;
  std::string hash;
  std::optional<std::string> in_reply_to;
  bool deliver = true;
  std::optional<std::string> update_note{}; // an updated entry (ingest/updates.hpp)
};

// Newest first: by date when every candidate has one, else document order (feeds list
// their newest entries first).
std::vector<std::size_t> newest_first(const std::vector<Candidate>& c, const feeds::Feed& feed) {
  std::vector<std::size_t> order(c.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  const bool all_dated = std::all_of(c.begin(), c.end(), [&](const Candidate& x) {
    return entry_date(feed.entries[x.index]).has_value();
  });
  if (all_dated) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return *entry_date(feed.entries[c[a].index]) > *entry_date(feed.entries[c[b].index]);
    });
  }
  return order;
}

// The entry as mailed: tracking parameters gone from its link and every link of its body
// (the content hash stays that of the feed's entry); `body` replaces the feed's.
feeds::Entry without_trackers(const feeds::Entry& in,
                              std::optional<std::string> body = std::nullopt) {
  feeds::Entry e = in;
  if (body) {
    e.content_html = std::move(body);
    e.summary_html.reset();
  }
  if (e.link) {
    e.link = content::strip_tracking(*e.link);
  }
  for (auto* html : {&e.content_html, &e.summary_html}) {
    if (*html) {
      **html = content::strip_tracking_links(**html);
    }
  }
  return e;
}

// Images the body no longer shows are not carried along (RFC 2387 parts nobody points at
// would show as attachments).
void drop_unreferenced(std::vector<mail::InlineImage>& images, const feeds::Entry& e) {
  const std::string_view html = e.content_html ? std::string_view(*e.content_html) : "";
  std::erase_if(images, [&html](const mail::InlineImage& image) {
    return html.find("src=\"" + image.url + "\"") == std::string::npos;
  });
}

} // namespace

std::string version_identity(const std::string& identity, const std::string& content_hash) {
  return identity + "#v" + content_hash.substr(0, 16);
}

IngestPlan plan_ingest(const IngestInput& in) {
  const feeds::Feed& feed = *in.feed;
  const FeedOptions& cfg = *in.config;
  IngestPlan plan;
  feeds::KnownIdentities known;
  known.reserve(in.known->size());
  for (const auto& [id, hash] : *in.known) {
    known.emplace(id, hash);
  }
  // Stored identities are kept: entries reusing an id are told apart (the identity ladder)
  // without renaming an entry stored before.
  const std::vector<std::string> identities = feeds::entry_identities(feed, known);
  std::unordered_set<std::string_view> in_document;
  std::vector<Candidate> fresh;
  std::vector<ChangedEntry> changed;
  for (std::size_t i = 0; i < feed.entries.size() && i < identities.size(); ++i) {
    const std::string& id = identities[i];
    if (!in_document.insert(id).second) {
      continue; // an identical repeat within the document: the first wins
    }
    const auto k = known.find(id);
    if (k == known.end()) {
      fresh.push_back({i, id, feeds::content_hash(feed.entries[i]), std::nullopt});
      continue;
    }
    std::string hash = feeds::content_hash(feed.entries[i]);
    if (k->second == hash) {
      continue;
    }
    ++plan.updated;
    if (cfg.on_update == OnUpdate::redeliver) {
      changed.push_back({i, id, std::move(hash)});
    }
  }
  UpdatePlan updates;
  if (!changed.empty()) {
    std::vector<std::string> ids;
    for (const ChangedEntry& c : changed) {
      ids.push_back(c.identity);
    }
    const UpdateInput u{&feed, &cfg, in.hostname, &known, in.now};
    updates = plan_updates(
        u, changed, in.revisions ? in.revisions(ids) : std::vector<storage::EntryRevision>{});
    for (UpdateToSend& s : updates.send) {
      fresh.push_back({s.index, std::move(s.identity), std::move(s.hash), std::move(s.in_reply_to),
                       true, std::move(s.note)});
    }
  }

  const std::vector<std::size_t> order = newest_first(fresh, feed);
  // Rules judge the feed's entry (skip / keep before any article fetch); their rewrites
  // apply to the body as mailed, the feed's or the fetched article.
  const content::RuleSet rules = feed_rules(cfg);
  std::vector<content::RuleVerdict> verdicts(fresh.size()); // parallel to fresh
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    Candidate& c = fresh[order[rank]];
    if (in.first_poll && cfg.initial && rank >= *cfg.initial) {
      c.deliver = false; // beyond `initial`: remembered as seen
    }
    if (c.deliver && !rules.empty()) {
      verdicts[order[rank]] = rules.judge(feed.entries[c.index]);
      c.deliver = verdicts[order[rank]].deliver;
      if (!c.deliver && in.rules_seen) {
        in.rules_seen(c.index, verdicts[order[rank]], {});
      }
    }
  }

  std::map<std::size_t, Body> bodies;
  if (in.bodies) {
    std::vector<std::size_t> wanted;
    for (const Candidate& c : fresh) {
      if (c.deliver && !c.in_reply_to) {
        wanted.push_back(c.index);
      }
    }
    if (!wanted.empty()) {
      bodies = in.bodies(wanted);
    }
  }
  const mail::FeedInfo info{cfg.key, cfg.title ? cfg.title : feed.title, in.feed_url, feed.link};
  plan.entries.reserve(order.size());
  for (auto it = order.rbegin(); it != order.rend(); ++it) { // oldest first
    Candidate& c = fresh[*it];
    const auto body = bodies.find(c.index);
    feeds::Entry e = without_trackers(feed.entries[c.index],
                                      body == bodies.end() ? std::nullopt : body->second.html);
    storage::NewEntry out;
    out.identity = std::move(c.identity);
    out.content_hash = std::move(c.hash);
    out.entry_date = entry_date(e);
    out.deliver = c.deliver;
    if (cfg.on_update == OnUpdate::redeliver && c.deliver && !c.in_reply_to) {
      out.revision = revision_of(feed.entries[c.index]); // what the next change is measured against
    }
    if (c.deliver) {
      const auto counts = rules.rewrite(e, verdicts[*it]);
      if (in.rules_seen) {
        in.rules_seen(c.index, verdicts[*it], counts);
      }
      mail::RenderOptions ro;
      out.tags = verdicts[*it].tags; // stored for tag views (gateway/tag_views.hpp)
      ro.keywords = std::move(verdicts[*it].tags);
      ro.hostname = in.hostname;
      ro.identity = out.identity;
      ro.first_seen = in.now;
      ro.in_reply_to = std::move(c.in_reply_to);
      ro.update_note = std::move(c.update_note);
      ro.html_sanitized = true; // e comes from feeds::parse
      if (body != bodies.end()) {
        ro.images = std::move(body->second.images);
        ro.attachments = std::move(body->second.attachments);
        ro.enclosure_notes = std::move(body->second.enclosure_notes);
      }
      if (!verdicts[*it].rewrites.empty()) {
        drop_unreferenced(ro.images, e); // e.g. images inside elements a rule stripped
      }
      out.message = mail::render(e, info, ro);
      if (cfg.digest_items) {
        out.digest_item = mail::encode_digest_item(mail::digest_item(e, info, in.now, ro.images));
      }
      ++plan.delivered;
    }
    plan.entries.push_back(std::move(out));
  }
  for (storage::NewEntry& r : updates.revisions) {
    plan.entries.push_back(std::move(r));
  }
  return plan;
}

namespace {

storage::NewEntry notice(const NoticeInput& in, std::string identity, std::string title,
                         std::string html) {
  feeds::Entry e;
  e.title = std::move(title);
  e.link = in.feed_url;
  e.published = in.now;
  e.content_html = std::move(html);
  const mail::FeedInfo info{in.feed_key, std::nullopt, in.feed_url, std::nullopt};
  mail::RenderOptions ro;
  ro.hostname = in.hostname;
  ro.identity = identity;
  ro.first_seen = in.now;
  storage::NewEntry out;
  out.identity = std::move(identity);
  out.content_hash = out.identity;
  out.entry_date = in.now;
  out.message = mail::render(e, info, ro);
  return out;
}

} // namespace

storage::NewEntry failure_notice(const NoticeInput& in) {
  const std::string since = fmt::format("{:%Y-%m-%d %H:%M} UTC", in.failing_since);
  std::string html = fmt::format(
      "<p>feedpop has not been able to fetch the feed <b>{}</b> since {}.</p>"
      "<p>URL: <a href=\"{}\">{}</a></p><p>Last error: {}</p>"
      "<p>feedpop keeps trying (less often while it fails) and will tell you when the feed "
      "works again.</p>",
      feeds::html::escape(in.feed_key), since, feeds::html::escape(in.feed_url),
      feeds::html::escape(in.feed_url), feeds::html::escape(in.last_error));
  return notice(in, fmt::format("feedpop:failing:{}", in.failing_since.time_since_epoch().count()),
                fmt::format("[feedpop] Feed \"{}\" is failing since {}", in.feed_key, since),
                std::move(html));
}

storage::NewEntry recovery_notice(const NoticeInput& in) {
  const std::string since = fmt::format("{:%Y-%m-%d %H:%M} UTC", in.failing_since);
  std::string html = fmt::format(
      "<p>The feed <b>{}</b> (<a href=\"{}\">{}</a>) works again; it had been failing since "
      "{}.</p>",
      feeds::html::escape(in.feed_key), feeds::html::escape(in.feed_url),
      feeds::html::escape(in.feed_url), since);
  return notice(in,
                fmt::format("feedpop:recovered:{}", in.failing_since.time_since_epoch().count()),
                fmt::format("[feedpop] Feed \"{}\" works again", in.feed_key), std::move(html));
}

} // namespace feedpop::ingest
