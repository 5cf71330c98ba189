// DigestItem: capture at ingest and the stored form (see digest.hpp).

#include <charconv>

#include "common/utf8.hpp"
#include "feeds/url.hpp"
#include "mail/digest.hpp"
#include "mail/header_encoding.hpp"
#include "mail/text_rendering.hpp"

namespace feedpop::mail {

namespace {

constexpr std::string_view magic = "feedpop-digest-item-1\n";

bool plausible(std::chrono::sys_seconds time) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(time)};
  return ymd.year() >= std::chrono::year{1900} && ymd.year() <= std::chrono::year{9999};
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

// Each field as "<decimal length>:<bytes>".
void put(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

class Reader {
public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool get(std::string& out) {
    const auto colon = in_.find(':');
    std::size_t size = 0;
    if (colon == std::string_view::npos ||
        std::from_chars(in_.data(), in_.data() + colon, size).ptr != in_.data() + colon ||
        colon == 0 || size > in_.size() - colon - 1) {
      return false;
    }
    out.assign(in_.substr(colon + 1, size));
    in_.remove_prefix(colon + 1 + size);
    return true;
  }
  bool done() const { return in_.empty(); }

private:
  std::string_view in_;
};

} // namespace

DigestItem digest_item(const feeds::Entry& entry, const FeedInfo& feed,
                       std::chrono::sys_seconds first_seen,
                       const std::vector<InlineImage>& images) {
  DigestItem item;
  item.feed_key = feed.key;
  item.feed_title = feed.title ? normalize_text(*feed.title) : std::string();
  if (item.feed_title.empty()) {
    item.feed_title = feed.key;
  }
  item.title = subject_text(entry);
  if (const auto& who = entry.author ? entry.author : entry.feed_author) {
    item.author = normalize_text(*who);
  }
  item.date = first_seen;
  for (const auto& date : {entry.published, entry.updated}) {
    if (date && plausible(*date)) {
      item.date = *date;
      break;
    }
  }
  if (entry.link && feeds::url::has_safe_scheme(*entry.link)) {
    item.link = utf8::repair(*entry.link);
  }
  const auto& source = entry.content_html ? entry.content_html : entry.summary_html;
  if (source) {
    item.html = *source;
    item.text = html_to_text(*source).text;
  }
  for (const InlineImage& image : images) {
    replace_all(item.html, "src=\"" + image.url + "\"", "src=\"cid:" + image.content_id + "\"");
  }
  item.images = images;
  return item;
}

std::string encode_digest_item(const DigestItem& item) {
  std::string out(magic);
  for (const std::string* field : {&item.feed_key, &item.feed_title, &item.title, &item.author,
                                   &item.link, &item.html, &item.text}) {
    put(out, *field);
  }
  put(out, std::to_string(item.date.time_since_epoch().count()));
  put(out, std::to_string(item.images.size()));
  for (const InlineImage& image : item.images) {
    put(out, image.url);
    put(out, image.content_id);
    put(out, image.type);
    put(out, image.bytes);
  }
  return out;
}

std::optional<DigestItem> decode_digest_item(std::string_view bytes) {
  if (!bytes.starts_with(magic)) {
    return std::nullopt;
  }
  Reader in(bytes.substr(magic.size()));
  DigestItem item;
  for (std::string* field : {&item.feed_key, &item.feed_title, &item.title, &item.author,
                             &item.link, &item.html, &item.text}) {
    if (!in.get(*field)) {
      return std::nullopt;
    }
  }
  std::string date;
  std::string count;
  std::int64_t seconds = 0;
  std::size_t images = 0;
  if (!in.get(date) || !in.get(count) ||
      std::from_chars(date.data(), date.data() + date.size(), seconds).ptr !=
          date.data() + date.size() ||
      std::from_chars(count.data(), count.data() + count.size(), images).ptr !=
          count.data() + count.size()) {
    return std::nullopt;
  }
  item.date = std::chrono::sys_seconds{std::chrono::seconds{seconds}};
  for (std::size_t i = 0; i < images; ++i) {
    InlineImage image;
    if (!in.get(image.url) || !in.get(image.content_id) || !in.get(image.type) ||
        !in.get(image.bytes)) {
      return std::nullopt;
    }
    item.images.push_back(std::move(image));
  }
  if (!in.done()) {
    return std::nullopt;
  }
  return item;
}

} // namespace feedpop::mail
