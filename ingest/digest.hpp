#pragma once
// Digests (issue 18): when a period ends and building one period's digest from the store.
//
// Periods: a digest with `every` a whole number of days ends its periods at local time
// `at` in zone `tz` on every such day (counted from 1970-01-01 in that zone), so
// `every: 1d, at: "07:00", tz: Europe/Berlin` is 07:00 in Berlin summer and winter. A
// shorter `every` (≥ 1h) ends periods at `at` and every `every` after it within each
// local day (the last one of a day is shorter when `every` does not divide 24h).
// A local time that a DST change skips maps to the instant of the change.
//
// Building: every entry of the digest's feeds first seen up to the period's end that the
// digest has not covered yet goes into one message (or parts, mail/digest.hpp), stored
// under the digest's key together with the record of which entries it covered
// (storage::Store::store_digest); the covered entries are then marked deleted for the
// digest's users (DigestConfig::users), and a user's digest leaves out entries its user
// deleted. A period without entries stores nothing; building a period again stores nothing.
// Threading: pure functions, and build_digest uses only the Store it is given. Time zones come from
// the system's tzdata (thread-safe lookups).

#include <optional>
#include <string>
#include <string_view>

#include "ingest/options.hpp"
#include "storage/store.hpp"

namespace feedpop::ingest {

// The digest item of a digested feed's failure / recovery notice (ingest_poll.cpp): a
// digest covers it, marking it deleted for the digest's users (the notice reached them on
// its own, under FeedOptions::notice_key), but does not show it.
inline constexpr std::string_view notice_item = "feedpop:notice";

// nullopt when `tz` names a zone of the system's time zone database, else why not.
std::optional<std::string> time_zone_error(const std::string& tz);

// The end of the latest period at or before `now`. Throws std::runtime_error for an
// unknown zone (the configuration check refuses those first).
storage::Time period_end(const DigestSchedule& schedule, storage::Time now);

// "2026-12-07": the local date of `t` in the schedule's zone.
std::string local_date(const DigestSchedule& schedule, storage::Time t);

struct DigestBuild {
  std::string key;
  std::size_t entries = 0;  // entries the stored digest covers
  std::size_t messages = 0; // messages stored (parts); 0 when there was nothing to send
};

// Builds the digest of the period ending at `period` (see above). part_size: where long
// digests split (mail::default_digest_part_size). StoreError propagates.
DigestBuild build_digest(storage::Store& store, const DigestConfig& digest, storage::Time period,
                         const std::string& hostname, std::size_t part_size);

} // namespace feedpop::ingest
