#pragma once
// Images carried inside the message (per feed `images: inline`): every http(s) <img src>
// of a new entry's body is fetched once, at ingest, through the fetcher's HTTP client. Only
// JPEG, PNG, GIF and WebP (judged by their bytes; SVG never) within the limits below are
// inlined; any other image keeps its remote URL. With `images_max_width`, wider JPEG, PNG
// and WebP images are scaled down first (content/image_scale.hpp; one it refuses, e.g.
// over 50 megapixels, stays remote) and the per-message limit counts the scaled bytes.
// Fetcher thread only.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/http_client.hpp"
#include "ingest/options.hpp"
#include "mail/render.hpp"

namespace feedpop::ingest {

struct ImageLimits {
  std::uint64_t per_image = 2 * 1000 * 1000;
  std::uint64_t per_message = 10 * 1000 * 1000;
  std::size_t count = 40;
};

ImagesMode images_mode(const Options& config, const FeedOptions& feed);
// Pixels; 0 when images keep their size.
unsigned images_max_width(const Options& config, const FeedOptions& feed);

// "image/jpeg", "image/png", "image/gif", "image/webp" from the leading bytes, else nullopt.
std::optional<std::string> sniff_image_type(std::string_view bytes);

// The src attribute values (as written, entities included) of the <img> elements of
// sanitised HTML, first occurrence order, without duplicates.
std::vector<std::string> image_sources(std::string_view html);

// The images of `html` that can be inlined; `failed` counts the ones that could not.
// Fetched through `http` (HttpClient::fetch_all: its slots, alongside the feeds in flight).
std::vector<mail::InlineImage> fetch_images(const Options& config, const FeedOptions& feed,
                                            std::string_view html, std::size_t& failed,
                                            feeds::HttpClient& http,
                                            const ImageLimits& limits = {});

} // namespace feedpop::ingest
