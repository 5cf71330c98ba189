// Fuzzes the feed parser (XML and JSON formats, charsets, recovery) and the identity
// computation that runs on every parsed document at ingest.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <variant>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  // The HTTP Content-Type takes part in charset selection (RFC 7303): cycle through the
  // cases feeds/charset.hpp distinguishes, keyed on the length so each input is stable.
  static constexpr const char* content_types[] = {
      "",
      "application/rss+xml",
      "application/xml; charset=iso-8859-1",
      "text/xml",
      "text/xml; charset=\"utf-16\"",
      "application/json; charset=windows-1252",
      "application/atom+xml; charset=shift-jis",
      "text/html; charset=gb2312",
  };
  feedpop::feeds::ParseOptions options;
  options.base_url = "http://example.com/dir/feed.xml";
  options.content_type = content_types[size % std::size(content_types)];
  auto result = feedpop::feeds::parse(body, options);
  if (auto* feed = std::get_if<feedpop::feeds::Feed>(&result)) {
    auto ids = feedpop::feeds::entry_identities(*feed);
    if (ids.size() != feed->entries.size()) {
      __builtin_trap();
    }
    for (const auto& entry : feed->entries) {
      (void)feedpop::feeds::content_hash(entry);
    }
  }
  return 0;
}
