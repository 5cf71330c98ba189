// Fuzzes the MIME renderer with arbitrary entries (issue 9): the output must keep the
// invariants mail clients rely on — CRLF line ends only, no line over 998 octets.
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/utf8.hpp"
#include "feeds/entry.hpp"
#include "feeds/html.hpp"
#include "mail/render.hpp"

namespace {

// Splits the input into fields at NUL bytes so one input drives every entry field. An
// empty field is an absent one, as in the feed model (feeds/entry.hpp).
struct Fields {
  std::string_view rest;
  std::string next() {
    const auto pos = rest.find('\0');
    std::string out(rest.substr(0, pos));
    rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
    return out;
  }
  std::optional<std::string> optional() {
    auto out = next();
    return out.empty() ? std::nullopt : std::optional<std::string>(std::move(out));
  }
  // A decimal field as a time: any integer, folded into the years 1–9999 that
  // feeds::parse_date can yield, so every Date header path is reachable.
  std::optional<std::chrono::sys_seconds> time() {
    const auto text = next();
    long long value = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{}) {
      return std::nullopt;
    }
    constexpr long long first = -62135596800; // 0001-01-01T00:00:00Z
    constexpr long long span = 315537897600;  // to 9999-12-31T23:59:59Z, + 1 s
    long long folded = value % span;
    if (folded < 0) {
      folded += span;
    }
    return std::chrono::sys_seconds{std::chrono::seconds{first + folded}};
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fields in{std::string_view(reinterpret_cast<const char*>(data), size)};
  feedpop::feeds::Entry entry;
  entry.title = in.optional();
  entry.author = in.optional();
  entry.link = in.optional();
  entry.content_html = in.optional();
  entry.summary_html = in.optional();
  if (auto url = in.next(); !url.empty()) {
    entry.enclosures.push_back({url, in.optional(), static_cast<std::int64_t>(size)});
  }
  feedpop::mail::FeedInfo feed{"fuzz", in.optional(), "https://example.com/feed.xml", std::nullopt};
  feedpop::mail::RenderOptions options;
  options.identity = in.next();
  if (options.identity.empty()) {
    options.identity = "id";
  }
  // Fields added after the original seed layout, so older inputs still parse the same.
  entry.id = in.optional();
  entry.comments = in.optional();
  // Categories: one field, split at SOH.
  const std::string categories = in.next();
  for (std::string_view cats = categories; !cats.empty();) {
    const auto pos = cats.find('\x01');
    entry.categories.emplace_back(cats.substr(0, pos));
    cats = pos == std::string_view::npos ? std::string_view{} : cats.substr(pos + 1);
  }
  feed.link = in.optional();
  // In-Reply-To is never feed data: ingest passes the Message-ID it rendered for an
  // earlier version of the entry (gateway/ingest.cpp), so it is built the same way here.
  if (auto earlier = in.optional()) {
    options.in_reply_to = feedpop::mail::message_id(feed.key, *earlier, options.hostname);
  }
  entry.published = in.time();
  entry.updated = in.time();
  if (auto seen = in.time()) {
    options.first_seen = *seen;
  }
  if (!entry.enclosures.empty()) {
    if (auto length = in.time()) { // any integer; negative lengths too
      entry.enclosures.front().length = length->time_since_epoch().count();
    }
  }
  // Half the inputs take ingest's path (gateway/ingest.cpp): HTML values as feeds::parse
  // yields them, valid UTF-8 and sanitised, rendered with html_sanitized set.
  if (size % 2 == 1) {
    const std::string base = entry.link ? *entry.link : feed.url;
    for (auto* html : {&entry.content_html, &entry.summary_html}) {
      if (*html) {
        *html = feedpop::feeds::html::sanitize(feedpop::utf8::repair(**html), base);
      }
    }
    options.html_sanitized = true;
  }

  const std::string message = feedpop::mail::render(entry, feed, options);
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      if (i == 0 || message[i - 1] != '\r' || i - line_start > 999) {
        __builtin_trap();
      }
      line_start = i + 1;
    } else if (message[i] == '\r' && (i + 1 == message.size() || message[i + 1] != '\n')) {
      __builtin_trap();
    }
  }
  return 0;
}
