#include "content/image_scale.hpp"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <array>
#include <cstdint>
#include <optional>

namespace feedpop::content {
namespace {

struct Size {
  int width = 0;
  int height = 0;
  bool operator==(const Size&) const = default;
};

std::uint32_t be(std::string_view b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) {
    v = v << 8 | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

std::uint32_t le(std::string_view b, std::size_t at, int n) {
  std::uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) {
    v = v << 8 | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  }
  return v;
}

// Dimensions read from the encoded bytes by hand, independent of libvips.
std::optional<Size> png_size(std::string_view b) {
  if (b.size() < 26 || b.substr(0, 8) != "\x89PNG\r\n\x1A\n" || b.substr(12, 4) != "IHDR") {
    return std::nullopt;
  }
  return Size{static_cast<int>(be(b, 16, 4)), static_cast<int>(be(b, 20, 4))};
}

std::optional<Size> jpeg_size(std::string_view b) {
  std::size_t at = 2;
  while (b.substr(0, 2) == "\xFF\xD8" && at + 9 < b.size() && b[at] == '\xFF') {
    const auto marker = static_cast<unsigned char>(b[at + 1]);
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      return Size{static_cast<int>(be(b, at + 7, 2)), static_cast<int>(be(b, at + 5, 2))};
    }
    at += 2 + be(b, at + 2, 2);
  }
  return std::nullopt;
}

std::optional<Size> webp_size(std::string_view b) {
  if (b.size() < 30 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WEBP") {
    return std::nullopt;
  }
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") {
    return Size{static_cast<int>(le(b, 24, 3)) + 1, static_cast<int>(le(b, 27, 3)) + 1};
  }
  if (chunk == "VP8 ") {
    return Size{static_cast<int>(le(b, 26, 2) & 0x3FFF), static_cast<int>(le(b, 28, 2) & 0x3FFF)};
  }
  if (chunk == "VP8L") {
    const std::uint32_t bits = le(b, 21, 4);
    return Size{static_cast<int>(bits & 0x3FFF) + 1, static_cast<int>((bits >> 14) & 0x3FFF) + 1};
  }
  return std::nullopt;
}

// A test picture of stripes, encoded by libvips by its file suffix.
std::string make_image(int width, int height, int bands, const char* suffix, int orientation = 0) {
  EXPECT_EQ(VIPS_INIT("image_scale_test"), 0);
  VipsImage* sines = nullptr;
  VipsImage* scaled = nullptr;
  VipsImage* grey = nullptr;
  VipsImage* out = nullptr;
  EXPECT_EQ(vips_sines(&sines, width, height, "hfreq", 7.0, "vfreq", 3.0, nullptr), 0);
  EXPECT_EQ(vips_linear1(sines, &scaled, 120.0, 128.0, nullptr), 0);
  EXPECT_EQ(vips_cast_uchar(scaled, &grey, nullptr), 0);
  std::array<VipsImage*, 4> planes{grey, grey, grey, grey};
  EXPECT_EQ(vips_bandjoin(planes.data(), &out, bands, nullptr), 0);
  if (orientation != 0) {
    vips_image_set_int(out, "orientation", orientation);
  }
  void* buf = nullptr;
  std::size_t len = 0;
  EXPECT_EQ(vips_image_write_to_buffer(out, suffix, &buf, &len, nullptr), 0) << vips_error_buffer();
  std::string bytes(static_cast<const char*>(buf), len);
  g_free(buf);
  g_object_unref(out);
  g_object_unref(grey);
  g_object_unref(scaled);
  g_object_unref(sines);
  return bytes;
}

Scaled must_scale(const std::string& bytes, const char* type, int max_width) {
  ScaleOptions o;
  o.max_width = max_width;
  ScaleResult r = scale_down(bytes, type, o);
  if (auto* refused = std::get_if<ScaleRefused>(&r)) {
    ADD_FAILURE() << "refused: " << refused->reason;
  }
  EXPECT_TRUE(std::holds_alternative<Scaled>(r));
  return std::holds_alternative<Scaled>(r) ? std::get<Scaled>(std::move(r)) : Scaled{};
}

TEST(ImageScale, AWideJpegBecomesMaxWidthKeepingItsAspectAndType) {
  const std::string jpeg = make_image(3000, 2000, 3, ".jpg");
  ASSERT_EQ(jpeg_size(jpeg), (Size{3000, 2000}));
  const Scaled s = must_scale(jpeg, "image/jpeg", 800);
  EXPECT_EQ(jpeg_size(s.bytes), (Size{800, 533}));
  EXPECT_EQ(s.width, 800);
  EXPECT_LT(s.bytes.size(), jpeg.size() / 4);
}

TEST(ImageScale, APngStaysAPngWithItsAlpha) {
  const std::string png = make_image(2400, 600, 4, ".png");
  const Scaled s = must_scale(png, "image/png", 1200);
  ASSERT_EQ(png_size(s.bytes), (Size{1200, 300}));
  EXPECT_EQ(s.bytes[25], 6) << "colour type RGBA";
}

TEST(ImageScale, AWebpStaysAWebp) {
  const std::string webp = make_image(2000, 1000, 3, ".webp");
  ASSERT_EQ(webp_size(webp), (Size{2000, 1000}));
  const Scaled s = must_scale(webp, "image/webp", 1000);
  EXPECT_EQ(webp_size(s.bytes), (Size{1000, 500}));
}

TEST(ImageScale, OrientationIsAppliedAndMetadataStripped) {
  // Stored 2000 × 1200, EXIF orientation 6: shown 1200 wide and 2000 high.
  const std::string jpeg = make_image(2000, 1200, 3, ".jpg", 6);
  ASSERT_NE(jpeg.find("Exif"), std::string::npos);
  const Scaled s = must_scale(jpeg, "image/jpeg", 600);
  EXPECT_EQ(jpeg_size(s.bytes), (Size{600, 1000}));
  EXPECT_EQ(s.bytes.find("Exif"), std::string::npos);
}

TEST(ImageScale, NarrowImagesGifsAndOtherTypesAreKept) {
  ScaleOptions o;
  o.max_width = 1200;
  EXPECT_TRUE(std::holds_alternative<ScaleKept>(
      scale_down(make_image(1200, 900, 3, ".jpg"), "image/jpeg", o)));
  EXPECT_TRUE(std::holds_alternative<ScaleKept>(
      scale_down(make_image(3000, 100, 3, ".gif"), "image/gif", o)));
  EXPECT_TRUE(std::holds_alternative<ScaleKept>(scale_down("<svg/>", "image/svg+xml", o)));
}

std::uint32_t crc32(std::string_view data) {
  std::uint32_t c = 0xFFFFFFFF;
  for (char ch : data) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) {
      c = (c >> 1) ^ (0xEDB88320U & (0U - (c & 1U)));
    }
  }
  return ~c;
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

TEST(ImageScale, AnImageOverThePixelLimitIsRefusedFromItsHeader) {
  // A PNG header announcing 20000 × 20000 and no pixel data: refused before decoding.
  const std::string ihdr = "IHDR" + be32(20000) + be32(20000) + std::string("\x08\x02\0\0\0", 5);
  const std::string idat = "IDAT" + std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8);
  const std::string png = "\x89PNG\r\n\x1A\n" + be32(13) + ihdr + be32(crc32(ihdr)) + be32(8) +
                          idat + be32(crc32(idat)) + be32(0) + "IEND" + be32(crc32("IEND"));
  ScaleOptions o;
  const ScaleResult r = scale_down(png, "image/png", o);
  ASSERT_TRUE(std::holds_alternative<ScaleRefused>(r));
  EXPECT_NE(std::get<ScaleRefused>(r).reason.find("400000000 pixels"), std::string::npos)
      << std::get<ScaleRefused>(r).reason;
  o.max_pixels = 1'000'000;
  EXPECT_TRUE(std::holds_alternative<ScaleRefused>(
      scale_down(make_image(1500, 1000, 3, ".jpg"), "image/jpeg", o)));
}

TEST(ImageScale, BrokenOrMislabelledBytesAreRefused) {
  ScaleOptions o;
  EXPECT_TRUE(std::holds_alternative<ScaleRefused>(
      scale_down(std::string("\xFF\xD8\xFF\xE0garbage", 11), "image/jpeg", o)));
  // A TIFF is not read, even when called a PNG: only the named format's loader runs.
  EXPECT_TRUE(std::holds_alternative<ScaleRefused>(
      scale_down(make_image(2000, 100, 3, ".tif"), "image/png", o)));
}

} // namespace
} // namespace feedpop::content
