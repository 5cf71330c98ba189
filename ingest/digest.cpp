#include "ingest/digest.hpp"

#include <unordered_set>

#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "mail/digest.hpp"

namespace feedpop::ingest {

namespace {

using std::chrono::days;
using std::chrono::seconds;
using storage::Time;

constexpr seconds one_day{24 * 3600};

const date::time_zone* zone(const std::string& tz) {
  return date::locate_zone(tz); // throws std::runtime_error for an unknown name
}

// The period's identity: its end in UTC, ISO 8601.
std::string period_identity(Time end) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", end);
}

// A user's digest leaves out the entries its user deleted: the ones a feed's digest covered
// before the user's own digest began (marked deleted for them, see DigestConfig::users),
// and singles the user read and deleted while the feed had no digest for them. Returns the
// entries left out: they count as covered, so later periods do not read them again.
std::vector<storage::EntryId> leave_out_deleted(storage::Store& store, const DigestConfig& digest,
                                                std::vector<storage::DigestSource>& sources) {
  std::unordered_set<storage::EntryId> visible;
  for (const auto& item : store.snapshot(digest.users.front(), digest.feeds)) {
    visible.insert(item.id);
  }
  std::vector<storage::EntryId> left_out;
  std::erase_if(sources, [&](const storage::DigestSource& s) {
    if (visible.contains(s.id)) {
      return false;
    }
    left_out.push_back(s.id);
    return true;
  });
  return left_out;
}

// Stores the digest's messages and what they cover (store_digest), then marks the covered
// entries deleted for the digest's users: should the digest be removed, they never come
// back as single messages. (A crash in between leaves them unmarked: they would then come
// back once, after a removal.)
bool cover(storage::Store& store, const DigestConfig& digest, const std::string& period,
           const std::vector<storage::NewEntry>& messages,
           const std::vector<storage::EntryId>& covered) {
  if (!store.store_digest(digest.key, period, messages, covered)) {
    return false;
  }
  for (const auto& user : digest.users) {
    store.commit_deletions(user, covered);
  }
  return true;
}

} // namespace

std::optional<std::string> time_zone_error(const std::string& tz) {
  try {
    zone(tz);
    return std::nullopt;
  } catch (const std::exception& e) {
    return fmt::format("unknown time zone '{}' (expected an IANA name such as Europe/Berlin or "
                       "UTC; {})",
                       tz, e.what());
  }
}

Time period_end(const DigestSchedule& schedule, Time now) {
  const date::time_zone* z = zone(schedule.tz);
  const auto local = z->to_local(now);
  auto day = date::floor<days>(local);
  if (day + schedule.at > local) {
    day -= days{1}; // today's first boundary is still ahead
  }
  date::local_seconds end;
  if (schedule.every % one_day == seconds{0}) {
    const auto n = schedule.every / one_day;
    auto d = day.time_since_epoch().count();
    d -= ((d % n) + n) % n; // every n-th day since 1970-01-01, local
    end = date::local_days{days{d}} + schedule.at;
  } else {
    const date::local_seconds anchor = day + schedule.at;
    end = anchor + (local - anchor) / schedule.every * schedule.every;
  }
  // A skipped local time (DST gap) maps to the transition; a repeated one to its first.
  const auto info = z->get_info(end);
  if (info.result == date::local_info::nonexistent) {
    return date::floor<seconds>(info.second.begin);
  }
  return z->to_sys(end, date::choose::earliest);
}

std::string local_date(const DigestSchedule& schedule, Time t) {
  const auto day = date::floor<days>(zone(schedule.tz)->to_local(t));
  return date::format("%F", day);
}

DigestBuild build_digest(storage::Store& store, const DigestConfig& digest, Time period,
                         const std::string& hostname, std::size_t part_size) {
  DigestBuild result{digest.key};
  auto sources = store.pending_digest_items(digest.key, digest.feeds, period);
  std::vector<storage::EntryId> covered;
  if (digest.per_user && !digest.users.empty() && !sources.empty()) {
    covered = leave_out_deleted(store, digest, sources);
  }
  std::vector<mail::DigestItem> items;
  items.reserve(sources.size());
  for (const auto& source : sources) {
    covered.push_back(source.id);
    if (source.item == notice_item) {
      continue;
    }
    if (auto item = mail::decode_digest_item(source.item)) {
      items.push_back(std::move(*item));
    } else {
      spdlog::warn("digest {}: entry {} has an unreadable digest item; left out", digest.key,
                   source.id);
    }
  }
  mail::DigestOptions o;
  o.key = digest.key;
  o.name = digest.name;
  o.period = period_identity(period);
  o.date = period;
  o.date_label = local_date(digest.schedule, period);
  o.hostname = hostname;
  o.group_by_feed = digest.per_user;
  o.part_size = part_size;
  const auto rendered = mail::render_digest(items, o);
  if (rendered.empty()) {
    if (!covered.empty()) { // only notices or deleted entries: covered, nothing to send
      cover(store, digest, o.period, {}, covered);
    }
    return result;
  }
  std::vector<storage::NewEntry> messages;
  for (const auto& m : rendered) {
    storage::NewEntry e;
    e.identity = m.identity;
    e.content_hash = m.identity;
    e.message = m.bytes;
    e.entry_date = period;
    messages.push_back(std::move(e));
  }
  if (cover(store, digest, o.period, messages, covered)) {
    result.entries = items.size();
    result.messages = messages.size();
  }
  return result;
}

} // namespace feedpop::ingest
