#include "ingest/entry_filter.hpp"

#include <algorithm>

#include <re2/re2.h>

#include "feeds/html.hpp"

namespace feedpop::ingest {

namespace {

RE2::Options filter_options() {
  RE2::Options o;
  o.set_case_sensitive(false);
  o.set_log_errors(false); // a bad pattern is reported by `check`, not on stderr
  return o;
}

std::vector<std::unique_ptr<RE2>> compile(const std::vector<std::string>& patterns) {
  std::vector<std::unique_ptr<RE2>> out;
  for (const auto& p : patterns) {
    auto re = std::make_unique<RE2>(p, filter_options());
    if (re->ok()) {
      out.push_back(std::move(re));
    }
  }
  return out;
}

} // namespace

std::optional<std::string> filter_pattern_error(const std::string& pattern) {
  const RE2 re(pattern, filter_options());
  if (re.ok()) {
    return std::nullopt;
  }
  return re.error();
}

EntryFilter::EntryFilter(const std::vector<std::string>& include,
                         const std::vector<std::string>& exclude)
    : include_(compile(include)), exclude_(compile(exclude)) {}

EntryFilter::~EntryFilter() = default;
EntryFilter::EntryFilter(EntryFilter&&) noexcept = default;
EntryFilter& EntryFilter::operator=(EntryFilter&&) noexcept = default;

bool EntryFilter::accepts(const feeds::Entry& entry) const {
  if (empty()) {
    return true;
  }
  const std::string title = entry.title.value_or("");
  const auto& html = entry.content_html ? entry.content_html : entry.summary_html;
  const std::string text = html ? feeds::html::to_text(*html) : std::string();
  auto matches = [&](const std::unique_ptr<RE2>& re) {
    return RE2::PartialMatch(title, *re) || RE2::PartialMatch(text, *re);
  };
  if (!include_.empty() && std::none_of(include_.begin(), include_.end(), matches)) {
    return false;
  }
  return std::none_of(exclude_.begin(), exclude_.end(), matches);
}

} // namespace feedpop::ingest
