#include "gateway/feed_discovery.hpp"

#include <algorithm>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "feeds/html.hpp"
#include "feeds/http_client.hpp"
#include "feeds/parse.hpp"
#include "feeds/url.hpp"

namespace feedpop::gateway {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool has_word(std::string_view list, std::string_view word) {
  std::size_t pos = 0;
  while (pos < list.size()) {
    const auto end = std::min(list.find_first_of(" \t\r\n\f", pos), list.size());
    if (list.substr(pos, end - pos) == word) {
      return true;
    }
    pos = end + 1;
  }
  return false;
}

bool is_feed_type(std::string type) {
  type = type.substr(0, type.find(';'));
  type.erase(std::remove_if(type.begin(), type.end(), [](char c) { return c == ' '; }), type.end());
  return type == "application/rss+xml" || type == "application/atom+xml" ||
         type == "application/feed+json" || type == "application/json" ||
         type == "application/rdf+xml" || type == "application/x-rss+xml";
}

std::string describe(const feeds::FetchFailed& f) {
  if (f.kind == feeds::FailureKind::private_address) {
    return "it is on a private, loopback or link-local address, which feeds added by mail may "
           "not reach (the administrator can allow it with fetch.private_addresses: "
           "allow_for_users)";
  }
  return f.error;
}

struct Page {
  std::optional<feeds::Fetched> fetched;
  std::string error;
};

Page fetch(feeds::HttpClient& http, const std::string& url, bool allow_private) {
  feeds::HttpRequest request;
  request.url = url;
  request.allow_private = allow_private;
  auto result = http.fetch(std::move(request));
  if (auto* ok = std::get_if<feeds::Fetched>(&result)) {
    return {std::move(*ok), {}};
  }
  if (auto* failed = std::get_if<feeds::FetchFailed>(&result)) {
    return {std::nullopt, describe(*failed)};
  }
  return {std::nullopt, "no content (304 Not Modified)"};
}

// The feed's title when `page` parses as a feed.
std::optional<std::string> as_feed(const feeds::Fetched& page) {
  auto parsed = feeds::parse(std::string_view(page.body),
                             feeds::ParseOptions{page.info.url, page.info.content_type});
  if (auto* feed = std::get_if<feeds::Feed>(&parsed)) {
    return feed->title.value_or("");
  }
  return std::nullopt;
}

} // namespace

std::vector<std::string> linked_feeds(std::string_view html, std::string_view base_url) {
  std::vector<std::string> out;
  feeds::html::tokenize(html, [&](const feeds::html::Token& t) {
    if (t.kind != feeds::html::Token::Kind::start_tag || t.name != "link") {
      return;
    }
    std::string rel;
    std::string type;
    std::string href;
    for (const auto& [name, value] : t.attrs) {
      if (name == "rel") {
        rel = lower(value);
      } else if (name == "type") {
        type = lower(value);
      } else if (name == "href") {
        href = value;
      }
    }
    if (!has_word(rel, "alternate") || !is_feed_type(type) || href.empty()) {
      return;
    }
    auto url = feeds::url::resolve(base_url, href);
    if (std::find(out.begin(), out.end(), url) == out.end()) {
      out.push_back(std::move(url));
    }
  });
  return out;
}

Discovery discover_feed(const std::string& url, const DiscoveryOptions& options) {
  feeds::HttpOptions http_options;
  http_options.timeout = options.timeout;
  http_options.max_size = options.max_size;
  http_options.ca_file = options.ca_file;
  http_options.proxy = options.proxy;
  feeds::HttpClient http(http_options);
  Discovery out;
  const auto page = fetch(http, url, options.allow_private);
  if (!page.fetched) {
    out.error = fmt::format("cannot fetch {}: {}", url, page.error);
    return out;
  }
  if (auto title = as_feed(*page.fetched)) {
    out.feed_url = page.fetched->info.url.empty() ? url : page.fetched->info.url;
    out.title = std::move(*title);
    return out;
  }
  const std::string base = page.fetched->info.url.empty() ? url : page.fetched->info.url;
  auto candidates = linked_feeds(page.fetched->body, base);
  const bool linked = !candidates.empty();
  if (!linked) {
    for (const char* path : {"/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.json"}) {
      candidates.push_back(feeds::url::resolve(base, path));
    }
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto feed = fetch(http, candidates[i], options.allow_private);
    if (!feed.fetched) {
      continue;
    }
    if (auto title = as_feed(*feed.fetched)) {
      out.feed_url = candidates[i];
      out.title = std::move(*title);
      if (linked) {
        for (std::size_t j = 0; j < candidates.size(); ++j) {
          if (j != i) {
            out.others.push_back(candidates[j]);
          }
        }
      }
      return out;
    }
  }
  out.error = linked ? fmt::format("{} links feeds, but none of them could be fetched as a feed "
                                   "({})",
                                   url, fmt::join(candidates, ", "))
                     : fmt::format("{} is not a feed and links none (no <link rel=\"alternate\">),"
                                   " and none of /feed, /rss.xml, /atom.xml, /index.xml, "
                                   "/feed.json on that site is a feed",
                                   url);
  return out;
}

} // namespace feedpop::gateway
