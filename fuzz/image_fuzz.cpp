// Fuzzes the images a message carries: srcset parsing and choice (content/srcset.hpp) and
// libvips scaling of untrusted JPEG/PNG/WebP bytes (content/image_scale.hpp). Any bytes
// in, no crash, leak or UB, bounded time and memory. The first byte picks the path:
// 's' fuzzes srcset (the rest of the first line is the img's width attribute, then the
// srcset); otherwise byte % 3 names the type the bytes are scaled as, the second byte
// the target width (1-256), and the rest is the image.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "content/image_scale.hpp"
#include "content/srcset.hpp"

namespace {

void fuzz_srcset(std::string_view input) {
  const std::size_t eol = input.find('\n');
  const std::string_view width = input.substr(0, eol);
  const std::string_view srcset =
      eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  const auto candidates = feedpop::content::parse_srcset(srcset);
  const std::string chosen = feedpop::content::pick_image_source(
      "src.jpg", srcset, feedpop::content::html_length_pixels(width));
  // The choice is src or one of the parsed candidates, never a piece of something else.
  bool known = chosen == "src.jpg";
  for (const auto& c : candidates) {
    known = known || c.url == chosen;
    if (c.url.empty() || (c.width && *c.width <= 0) || c.density <= 0) {
      __builtin_trap();
    }
  }
  if (!known) {
    __builtin_trap();
  }
}

void fuzz_scale(std::string_view input) {
  if (input.size() < 2) {
    return;
  }
  static const char* const types[] = {"image/jpeg", "image/png", "image/webp"};
  const std::string_view type = types[static_cast<unsigned char>(input[0]) % 3];
  feedpop::content::ScaleOptions options;
  options.max_width = 1 + static_cast<unsigned char>(input[1]);
  options.max_pixels = 4'000'000; // the fuzzer's memory budget, not the default 50 MP
  const auto result = feedpop::content::scale_down(input.substr(2), type, options);
  if (const auto* s = std::get_if<feedpop::content::Scaled>(&result)) {
    if (s->width <= 0 || s->width > options.max_width || s->bytes.empty()) {
      __builtin_trap();
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() > 512 * 1024) {
    input = input.substr(0, 512 * 1024);
  }
  if (!input.empty() && input[0] == 's') {
    fuzz_srcset(input.substr(1));
  } else {
    fuzz_scale(input);
  }
  return 0;
}
