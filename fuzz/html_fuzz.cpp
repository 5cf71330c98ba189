// Fuzzes the HTML tokenizer, entity decoder and sanitizer that every entry body passes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "feeds/html.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  const std::string clean = feedpop::feeds::html::sanitize(html, "https://example.com/a/b.html");
  // Sanitising is idempotent on its own output's safety: no script survives a second pass.
  const std::string twice = feedpop::feeds::html::sanitize(clean, "https://example.com/a/b.html");
  if (twice.find("<script") != std::string::npos) {
    __builtin_trap();
  }
  (void)feedpop::feeds::html::to_text(html);
  (void)feedpop::feeds::html::decode_entities(html);
  return 0;
}
