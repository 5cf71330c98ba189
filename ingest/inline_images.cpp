#include "ingest/inline_images.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "content/image_scale.hpp"
#include "feeds/html.hpp"
#include "feeds/http_client.hpp"
#include "feeds/schedule.hpp"
#include "ingest/ingest_poll.hpp"

namespace feedpop::ingest {

ImagesMode images_mode(const Options& config, const FeedOptions& feed) {
  return feed.images.value_or(config.fetch.images);
}

unsigned images_max_width(const Options& config, const FeedOptions& feed) {
  return feed.images_max_width.value_or(config.fetch.images_max_width);
}

std::optional<std::string> sniff_image_type(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") {
    return "image/jpeg";
  }
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") {
    return "image/png";
  }
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) {
    return "image/gif";
  }
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") {
    return "image/webp";
  }
  return std::nullopt;
}

namespace {

// Scales `bytes` down to scale.max_width in place. Returns why the image was refused (too
// many pixels, undecodable; it stays remote then), or nothing.
std::optional<std::string> fit_width(std::string& bytes, const std::string& type,
                                     const content::ScaleOptions& scale) {
  auto result = content::scale_down(bytes, type, scale);
  if (auto* s = std::get_if<content::Scaled>(&result)) {
    bytes = std::move(s->bytes);
  } else if (auto* refused = std::get_if<content::ScaleRefused>(&result)) {
    return std::move(refused->reason);
  }
  return std::nullopt;
}

} // namespace

std::vector<std::string> image_sources(std::string_view html) {
  std::vector<std::string> out;
  for (auto tag = html.find("<img "); tag != std::string_view::npos;
       tag = html.find("<img ", tag + 1)) {
    const auto end = html.find('>', tag);
    const std::string_view element =
        html.substr(tag, end == std::string_view::npos ? std::string_view::npos : end - tag);
    const auto src = element.find(" src=\"");
    if (src == std::string_view::npos) {
      continue;
    }
    const auto close = element.find('"', src + 6);
    if (close == std::string_view::npos) {
      continue;
    }
    std::string value(element.substr(src + 6, close - src - 6));
    if (std::find(out.begin(), out.end(), value) == out.end()) {
      out.push_back(std::move(value));
    }
  }
  return out;
}

std::vector<mail::InlineImage> fetch_images(const Options& config, const FeedOptions& feed,
                                            std::string_view html, std::size_t& failed,
                                            feeds::HttpClient& http, const ImageLimits& limits) {
  std::vector<std::string> sources;
  std::vector<feeds::HttpRequest> requests;
  for (std::string& src : image_sources(html)) {
    const std::string url = feeds::html::decode_entities(src);
    if (sources.size() >= limits.count ||
        (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
      continue;
    }
    feeds::HttpRequest r;
    r.url = url;
    r.user_agent = feed.user_agent ? feed.user_agent : config.fetch.user_agent;
    r.allow_private = may_reach_private_addresses(config.fetch.private_addresses, feed);
    r.max_size = limits.per_image;
    requests.push_back(std::move(r));
    sources.push_back(std::move(src));
  }
  std::vector<mail::InlineImage> out;
  if (requests.empty()) {
    return out;
  }
  auto results = http.fetch_all(std::move(requests));
  std::uint64_t total = 0;
  content::ScaleOptions scale;
  scale.max_width = static_cast<int>(images_max_width(config, feed));
  for (std::size_t i = 0; i < results.size() && i < sources.size(); ++i) {
    auto* f = std::get_if<feeds::Fetched>(&results[i]);
    const auto type = f != nullptr ? sniff_image_type(f->body) : std::nullopt;
    if (type && scale.max_width > 0) {
      if (auto refused = fit_width(f->body, *type, scale)) {
        spdlog::debug("feed {}: image {} stays remote: {}", feed.key, sources[i], *refused);
        ++failed;
        continue;
      }
    }
    if (!type || total + f->body.size() > limits.per_message) {
      spdlog::debug("feed {}: image {} stays remote", feed.key, sources[i]);
      ++failed;
      continue;
    }
    total += f->body.size();
    mail::InlineImage image;
    image.url = sources[i];
    image.content_id =
        fmt::format("img{}.{:016x}@{}", i, feeds::stable_hash(sources[i]), config.hostname);
    image.type = *type;
    image.bytes = std::move(f->body);
    out.push_back(std::move(image));
  }
  return out;
}

} // namespace feedpop::ingest
