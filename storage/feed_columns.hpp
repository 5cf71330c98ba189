#pragma once
// The feeds table's columns as both backends read and write a feed's state (SqliteStore,
// PgStore; the tables are alike, storage/migrations.cpp and pg_migrations.cpp), so the two
// statements cannot drift apart.

namespace feedpop::storage {

inline constexpr const char* feed_columns =
    "key, config_url, url, etag, last_modified, last_status, http_code, last_error, "
    "consecutive_failures, last_poll, last_success, next_poll, failing_since, "
    "failure_notified, redirect_to, redirect_seen, disabled";

// The tail of an INSERT of feed_columns that replaces every column but the key of a feed
// already stored.
inline constexpr const char* feed_upsert_updates =
    " ON CONFLICT (key) DO UPDATE SET config_url = excluded.config_url, url = excluded.url, "
    "etag = excluded.etag, last_modified = excluded.last_modified, last_status = "
    "excluded.last_status, http_code = excluded.http_code, last_error = excluded.last_error, "
    "consecutive_failures = excluded.consecutive_failures, last_poll = excluded.last_poll, "
    "last_success = excluded.last_success, next_poll = excluded.next_poll, failing_since = "
    "excluded.failing_since, failure_notified = excluded.failure_notified, redirect_to = "
    "excluded.redirect_to, redirect_seen = excluded.redirect_seen, disabled = excluded.disabled";

} // namespace feedpop::storage
