#pragma once
// Feed date parsing: every variant found in real feeds, normalised to UTC seconds.
// Tried in feedparser's order: W3C-DTF / ISO 8601 extended (RFC 3339, fractional seconds,
// with or without zone), RFC 822/2822 (RFC 1123, RFC 850's day-month-yy, two-digit years,
// missing weekday or seconds, named zones such as EST/PDT/CEST, "GMT+2", month/day names
// in any case, day and month swapped), asctime, ISO 8601 basic ("20040105T120000Z"), and
// last the numeric forms "2020/1/10 14:33:00" and "10.01.2020 14:33". A date without a
// zone is taken as UTC (the feed states none, and the server's zone is no better a guess).
// A date that cannot be read is std::nullopt; nothing is guessed.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace feedpop::feeds {

std::optional<std::chrono::sys_seconds> parse_date(std::string_view text);

// "2003-06-10T04:00:00Z": RFC 3339 in UTC, the form FEED_JSON.md and entry identities use.
std::string iso8601_utc(std::chrono::sys_seconds t);

} // namespace feedpop::feeds
