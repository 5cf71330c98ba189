#pragma once
// Images to inline, made smaller (per feed `images_max_width`): a JPEG, PNG or WebP wider
// than the limit is scaled down with libvips and re-encoded in its own format (JPEG and
// WebP at quality 85), turned upright by its EXIF orientation, its metadata (EXIF, XMP,
// ICC, comments) stripped. GIF and animated WebP are left alone: scaling would drop their
// frames.
//
// Bounded: an image of more than `max_pixels` is refused before any pixel is decoded,
// libvips' operation cache is off and it runs one worker thread, only its JPEG, PNG and
// WebP buffer loaders are allowed (never ImageMagick, PDF, SVG...). libvips is initialised
// once, on first use. Thread-safe; no exceptions: a failure is a value.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace feedpop::content {

struct ScaleOptions {
  int max_width = 1200;                  // pixels, after orientation
  std::uint64_t max_pixels = 50'000'000; // width × height of the encoded image
  int quality = 85;                      // JPEG and WebP
};

struct Scaled {
  std::string bytes; // same format as the input
  int width = 0;
  int height = 0;
};

// No larger than max_width already, a GIF, an animated WebP or a type not listed above:
// the original bytes serve as they are.
struct ScaleKept {};

struct ScaleRefused {
  std::string reason; // "image of 60000000 pixels exceeds 50000000", libvips' error, ...
};

using ScaleResult = std::variant<Scaled, ScaleKept, ScaleRefused>;

// `type` is the sniffed MIME type: "image/jpeg", "image/png", "image/webp" (others kept).
ScaleResult scale_down(std::string_view bytes, std::string_view type, const ScaleOptions& options);

} // namespace feedpop::content
