#include "content/image_scale.hpp"

#include <memory>

#include <vips/vips.h>

namespace feedpop::content {

namespace {

struct Unref {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using Image = std::unique_ptr<VipsImage, Unref>;

// Takes libvips' (process-wide) error text and clears it.
std::string vips_failure(std::string_view what) {
  char* text = vips_error_buffer_copy();
  std::string out(what);
  if (text != nullptr && *text != '\0') {
    out += ": ";
    out += text;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
      out.pop_back();
    }
  }
  g_free(text);
  return out;
}

void drop_message(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

// Once per process. Loaders other than JPEG, PNG and WebP from a buffer are blocked (the
// bytes were sniffed as one of those, and libvips' other loaders, ImageMagick's among
// them, are not needed to parse untrusted input). No operation cache: every image is
// new, and cached pixels would only hold memory.
bool vips_ready() {
  static const bool ready = [] {
    if (VIPS_INIT("feedpop") != 0) {
      return false;
    }
    // Decoder warnings ("Premature end of JPEG file") on stderr would repeat for every bad
    // image of every poll; a failure comes back as a value with libvips' error text.
    g_log_set_handler("VIPS",
                      static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
                      drop_message, nullptr);
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
    vips_operation_block_set("VipsForeignLoad", TRUE);
    for (const char* loader :
         {"VipsForeignLoadJpegBuffer", "VipsForeignLoadPngBuffer", "VipsForeignLoadWebpBuffer"}) {
      vips_operation_block_set(loader, FALSE);
    }
    return true;
  }();
  return ready;
}

// The header only: libvips loaders decode no pixel until one is asked for.
Image load_header(std::string_view bytes, std::string_view type) {
  void* buf = const_cast<char*>(bytes.data());
  VipsImage* image = nullptr;
  int rc = -1;
  if (type == "image/jpeg") {
    rc = vips_jpegload_buffer(buf, bytes.size(), &image, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  } else if (type == "image/png") {
    rc = vips_pngload_buffer(buf, bytes.size(), &image, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  } else if (type == "image/webp") {
    rc = vips_webpload_buffer(buf, bytes.size(), &image, "access", VIPS_ACCESS_SEQUENTIAL, nullptr);
  }
  return Image(rc == 0 ? image : nullptr);
}

// Metadata stripped (EXIF with GPS positions and camera serials, XMP, ICC); the format kept.
int save(VipsImage* image, std::string_view type, int quality, void** buf, std::size_t* len) {
  if (type == "image/jpeg") {
    return vips_jpegsave_buffer(image, buf, len, "Q", quality, "strip", TRUE, "optimize_coding",
                                TRUE, nullptr);
  }
  if (type == "image/png") {
    return vips_pngsave_buffer(image, buf, len, "strip", TRUE, "compression", 6, nullptr);
  }
  return vips_webpsave_buffer(image, buf, len, "Q", quality, "strip", TRUE, nullptr);
}

} // namespace

ScaleResult scale_down(std::string_view bytes, std::string_view type, const ScaleOptions& options) {
  if (type != "image/jpeg" && type != "image/png" && type != "image/webp") {
    return ScaleKept{};
  }
  if (!vips_ready()) {
    return ScaleRefused{vips_failure("libvips could not start")};
  }
  Image header = load_header(bytes, type);
  if (!header) {
    return ScaleRefused{vips_failure("not a readable image")};
  }
  const int width = vips_image_get_width(header.get());
  const int height = vips_image_get_height(header.get());
  const std::uint64_t pixels =
      static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height);
  if (pixels > options.max_pixels) {
    return ScaleRefused{"image of " + std::to_string(pixels) + " pixels exceeds " +
                        std::to_string(options.max_pixels)};
  }
  const int shown_width = vips_image_get_orientation_swap(header.get()) ? height : width;
  if (shown_width <= options.max_width || vips_image_get_n_pages(header.get()) > 1) {
    return ScaleKept{};
  }
  header.reset();
  // thumbnail: shrink-on-load where the format allows (JPEG's DCT scaling), then a
  // Lanczos reduction to exactly max_width, then the EXIF orientation applied.
  VipsImage* thumb = nullptr;
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &thumb,
                            options.max_width, "height", VIPS_MAX_COORD, "size", VIPS_SIZE_DOWN,
                            nullptr) != 0) {
    return ScaleRefused{vips_failure("scaling failed")};
  }
  Image scaled(thumb);
  void* buf = nullptr;
  std::size_t len = 0;
  if (save(scaled.get(), type, options.quality, &buf, &len) != 0) {
    return ScaleRefused{vips_failure("encoding failed")};
  }
  Scaled out;
  out.bytes.assign(static_cast<const char*>(buf), len);
  g_free(buf);
  out.width = vips_image_get_width(scaled.get());
  out.height = vips_image_get_height(scaled.get());
  return out;
}

} // namespace feedpop::content
