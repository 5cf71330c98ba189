// `digest:` of a feed (feeds.*.digest) or a user (users.*.digest): {every, at, tz}.

#include "gateway/config_loader.hpp"
#include "ingest/digest.hpp"

namespace feedpop::gateway::config_detail {

namespace {

constexpr std::chrono::seconds one_hour{3600};
constexpr std::chrono::seconds one_day{24 * 3600};

// "HH:MM" (24-hour clock) as seconds into the day.
std::optional<std::chrono::seconds> time_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') {
    return std::nullopt;
  }
  const auto h = parse_int<int>(text.substr(0, 2));
  const auto m = parse_int<int>(text.substr(3, 2));
  if (!h || !m || *h < 0 || *h > 23 || *m < 0 || *m > 59) {
    return std::nullopt;
  }
  return std::chrono::seconds{*h * 3600 + *m * 60};
}

} // namespace

DigestSetting Loader::digest(const Field& field) {
  const std::string schema =
      field.path.rfind("users.", 0) == 0 ? "users.*.digest" : "feeds.*.digest";
  if (!field.value.is_map()) {
    fail(field, "expected a mapping like {every: 1d, at: \"07:00\", tz: Europe/Berlin}");
  }
  DigestSetting digest;
  bool has_every = false;
  for (const auto& f : fields(field, schema)) {
    if (f.name == "every") {
      digest.every = duration(f);
      has_every = true;
      if (digest.every < one_hour) {
        fail(f, "a digest period must be at least 1h");
      }
      if (digest.every > one_day && digest.every % one_day != std::chrono::seconds{0}) {
        fail(f, "a digest period longer than a day must be whole days (2d, 1w)");
      }
    } else if (f.name == "at") {
      const auto at = time_of_day(text(f, "a time of day like \"07:00\""));
      if (!at) {
        fail(f, "bad time of day '" + std::string(f.value.scalar()) +
                    "'; expected HH:MM, e.g. \"07:00\"");
      }
      digest.at = *at;
    } else if (f.name == "tz") {
      digest.tz = text(f, "a time zone name like Europe/Berlin");
      if (auto error = ingest::time_zone_error(digest.tz)) {
        fail(f, *error);
      }
    }
  }
  if (!has_every) {
    fail(field, "a digest needs `every` (a duration of at least 1h, e.g. every: 1d)");
  }
  return digest;
}

} // namespace feedpop::gateway::config_detail
