// Fuzzes the feed parser (XML and JSON formats, charsets, recovery) and the identity
// computation that runs on every parsed document at ingest.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  feedpop::feeds::ParseOptions options;
  options.base_url = "http://example.com/dir/feed.xml";
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
