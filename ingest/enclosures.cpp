#include "ingest/enclosures.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/ascii.hpp"
#include "feeds/http_client.hpp"
#include "ingest/ingest_poll.hpp"
#include "mail/body.hpp"

namespace feedpop::ingest {

namespace {

int hex_value(char c) {
  if (ascii::is_digit(c)) {
    return c - '0';
  }
  const char l = ascii::lower(c);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The last path component of a name that may carry one ("../x", "C:\\dir\\x").
std::string base_name(std::string name) {
  const auto cut = name.find_last_of("/\\");
  return cut == std::string::npos ? name : name.substr(cut + 1);
}

// `name=value` or `name="quoted value"` in a header's parameters (case-insensitive name).
std::optional<std::string> parameter(std::string_view header, std::string_view name) {
  std::size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    ++at;
    std::string_view rest = ascii::trim(header.substr(at));
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos || ascii::lower(ascii::trim(rest.substr(0, eq))) != name) {
      continue;
    }
    std::string_view value = ascii::trim(rest.substr(eq + 1));
    if (value.starts_with('"')) {
      std::string out;
      for (std::size_t i = 1; i < value.size() && value[i] != '"'; ++i) {
        out += value[i] == '\\' && i + 1 < value.size() ? value[++i] : value[i];
      }
      return out;
    }
    return std::string(ascii::trim(value.substr(0, value.find(';'))));
  }
  return std::nullopt;
}

std::string media_type(std::string_view content_type) {
  return ascii::lower(ascii::trim(content_type.substr(0, content_type.find(';'))));
}

bool is_http(std::string_view url) {
  const std::string l = ascii::lower(url.substr(0, 8));
  return l.starts_with("http://") || l.starts_with("https://");
}

} // namespace

EnclosuresMode enclosures_mode(const Options& config, const FeedOptions& feed) {
  return feed.enclosures.value_or(config.fetch.enclosures);
}

std::uint64_t enclosures_max_size(const Options& config, const FeedOptions& feed) {
  return feed.enclosures_max_size.value_or(config.fetch.enclosures_max_size);
}

std::string attachment_filename(std::string_view url, std::string_view content_disposition) {
  std::string name;
  if (auto extended = parameter(content_disposition, "filename*")) {
    // RFC 8187 §3.2.1: charset'language'percent-encoded; only UTF-8 (and ASCII) are read.
    const auto first = extended->find('\'');
    const auto second = first == std::string::npos ? first : extended->find('\'', first + 1);
    const std::string charset = ascii::lower(extended->substr(0, first));
    if (second != std::string::npos && (charset == "utf-8" || charset == "us-ascii")) {
      name = base_name(percent_decode(std::string_view(*extended).substr(second + 1)));
    }
  }
  if (name.empty()) {
    name = base_name(parameter(content_disposition, "filename").value_or(""));
  }
  if (name.empty() || name == "." || name == "..") {
    std::string_view path = url.substr(0, url.find_first_of("?#"));
    const auto scheme = path.find("://");
    path = scheme == std::string_view::npos ? path : path.substr(scheme + 3);
    const auto slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
    name = base_name(percent_decode(path));
  }
  return name.empty() || name == "." || name == ".." ? std::string("attachment") : name;
}

EnclosureFiles fetch_enclosures(const Options& config, const FeedOptions& feed,
                                const feeds::Entry& entry, std::uint64_t& budget) {
  EnclosureFiles out;
  const std::uint64_t cap = enclosures_max_size(config, feed);
  const std::string limit = mail::format_size(static_cast<std::int64_t>(cap));
  const std::string spent =
      fmt::format("not attached: this poll's {} for attachments are spent",
                  mail::format_size(static_cast<std::int64_t>(std::min<std::uint64_t>(
                      cap * kEnclosureCapsPerPoll, std::numeric_limits<std::int64_t>::max()))));
  std::vector<feeds::HttpRequest> requests;
  std::vector<const feeds::Enclosure*> wanted;
  for (const feeds::Enclosure& e : entry.enclosures) {
    if (!is_http(e.url) || out.notes.count(e.url) > 0 ||
        std::any_of(wanted.begin(), wanted.end(), [&](auto* w) { return w->url == e.url; })) {
      continue;
    }
    const std::uint64_t declared = e.length && *e.length > 0 ? *e.length : 0;
    if (declared > cap) {
      out.notes[e.url] =
          fmt::format("not attached: {} is over the {} limit", mail::format_size(*e.length), limit);
    } else if (budget == 0 || declared > budget) {
      out.notes[e.url] = spent;
    } else {
      feeds::HttpRequest r;
      r.url = e.url;
      r.user_agent = feed.user_agent ? feed.user_agent : config.fetch.user_agent;
      r.allow_private = may_reach_private_addresses(config.fetch.private_addresses, feed);
      requests.push_back(std::move(r));
      wanted.push_back(&e);
    }
  }
  if (requests.empty()) {
    return out;
  }
  feeds::HttpOptions ho = http_options(config);
  ho.max_size = std::min(cap, budget); // the enclosure cap, not the feeds' limit
  feeds::HttpClient http(ho);
  auto results = http.fetch_all(std::move(requests));
  for (std::size_t i = 0; i < results.size() && i < wanted.size(); ++i) {
    const feeds::Enclosure& e = *wanted[i];
    auto* f = std::get_if<feeds::Fetched>(&results[i]);
    if (f != nullptr && f->body.size() <= budget) {
      budget -= f->body.size();
      mail::Attachment a;
      a.url = e.url;
      a.filename = attachment_filename(f->info.url, f->info.content_disposition.value_or(""));
      a.type = media_type(f->info.content_type);
      if (a.type.empty()) {
        a.type = media_type(e.type.value_or("application/octet-stream"));
      }
      a.bytes = std::move(f->body);
      out.attachments.push_back(std::move(a));
      continue;
    }
    const auto* failed = std::get_if<feeds::FetchFailed>(&results[i]);
    const bool too_large =
        f != nullptr || (failed != nullptr && failed->kind == feeds::FailureKind::too_large);
    std::string note = too_large && budget < cap ? spent
                       : too_large         ? "not attached: larger than the " + limit + " limit"
                       : failed != nullptr ? "not attached: " + failed->error
                                           : "not attached: unexpected 304 Not Modified";
    ++out.failed;
    spdlog::warn("feed {}: enclosure {}: {}", feed.key, e.url, note);
    out.notes[e.url] = std::move(note);
  }
  return out;
}

} // namespace feedpop::ingest
