#include "ingest/entry_bodies.hpp"

#include <string>

#include "content/tracking.hpp"
#include "ingest/enclosures.hpp"
#include "ingest/inline_images.hpp"
#include "mail/media.hpp"

namespace feedpop::ingest {

std::map<std::size_t, Body> entry_bodies(const Options& config, const FeedOptions& feed,
                                         const feeds::Feed& doc,
                                         const std::vector<std::size_t>& indices, BodyStats& stats,
                                         feeds::HttpClient* http) {
  std::map<std::size_t, Body> out;
  if (http != nullptr) {
    for (auto& [i, html] : fetch_articles(config, feed, doc, indices, stats.articles, *http)) {
      out[i].html = std::move(html);
    }
  }
  std::uint64_t attach_budget = enclosures_max_size(config, feed) * kEnclosureCapsPerPoll;
  for (std::size_t i : indices) {
    // A media feed's entry without content (mail/media.hpp): its body is built here so
    // that tracking removal and `images: inline` see the thumbnail.
    if (auto media = mail::media_body_html(doc.entries[i]); media && !out[i].html) {
      out[i].html = std::move(media);
    }
    if (http != nullptr && enclosures_mode(config, feed) == EnclosuresMode::attach) {
      EnclosureFiles files = fetch_enclosures(config, feed, doc.entries[i], attach_budget);
      out[i].attachments = std::move(files.attachments);
      out[i].enclosure_notes = std::move(files.notes);
    }
  }
  if (http != nullptr && images_mode(config, feed) == ImagesMode::inline_) {
    for (std::size_t i : indices) {
      const feeds::Entry& e = doc.entries[i];
      const auto it = out.find(i);
      const std::string body =
          content::strip_tracking_links(it != out.end() && it->second.html
                                            ? *it->second.html
                                            : e.content_html.value_or(e.summary_html.value_or("")));
      auto images = fetch_images(config, feed, body, stats.images_failed, *http);
      if (!images.empty()) {
        out[i].images = std::move(images);
      }
    }
  }
  return out;
}

} // namespace feedpop::ingest
