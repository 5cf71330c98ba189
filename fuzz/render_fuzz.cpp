// Fuzzes the MIME renderer with arbitrary entries (issue 9): the output must keep the
// invariants mail clients rely on — CRLF line ends only, no line over 998 octets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feeds/entry.hpp"
#include "mail/render.hpp"

namespace {

// Splits the input into fields at NUL bytes so one input drives every entry field.
struct Fields {
  std::string_view rest;
  std::string next() {
    const auto pos = rest.find('\0');
    std::string out(rest.substr(0, pos));
    rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
    return out;
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fields in{std::string_view(reinterpret_cast<const char*>(data), size)};
  feedpop::feeds::Entry entry;
  entry.title = in.next();
  entry.author = in.next();
  entry.link = in.next();
  entry.content_html = in.next();
  entry.summary_html = in.next();
  if (auto url = in.next(); !url.empty()) {
    entry.enclosures.push_back({url, in.next(), static_cast<std::int64_t>(size)});
  }
  feedpop::mail::FeedInfo feed{"fuzz", in.next(), "https://example.com/feed.xml", std::nullopt};
  feedpop::mail::RenderOptions options;
  options.identity = in.next();
  if (options.identity.empty()) {
    options.identity = "id";
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
