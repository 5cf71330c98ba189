#include "feeds/json_parser.hpp"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/utf8.hpp"
#include "feeds/dates.hpp"
#include "feeds/html.hpp"
#include "feeds/text_construct.hpp"
#include "feeds/url.hpp"

namespace feedpop::feeds::json {

namespace {

using nlohmann::json;

// Arrays and objects nested deeper than this refuse the document: nlohmann's parser is
// iterative, but dump() (used on non-string ids) and the walk over items are not bounded
// otherwise. Feeds nest three or four levels.
constexpr int kMaxDepth = 256;

// The index of the quote that closes the string whose contents start at s[i], or s.size().
// A quote is escaped when an odd number of backslashes precede it; strings are most of a
// JSON feed, so they are skipped with memchr.
std::size_t string_end(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    const void* hit = std::memchr(s.data() + i, '"', s.size() - i);
    if (hit == nullptr) {
      return s.size();
    }
    const auto quote = static_cast<std::size_t>(static_cast<const char*>(hit) - s.data());
    std::size_t backslashes = 0;
    while (quote - backslashes > i && s[quote - backslashes - 1] == '\\') {
      ++backslashes;
    }
    if (backslashes % 2 == 0) {
      return quote;
    }
    i = quote + 1;
  }
  return s.size();
}

// False when `s` nests arrays and objects deeper than max_depth (brackets inside strings
// do not count). One scan of the bytes, before the parser builds anything.
bool nesting_within(std::string_view s, int max_depth) {
  int depth = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"') {
      i = string_end(s, i + 1);
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return false;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::optional<std::string> string_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return std::nullopt;
  }
  return text::clean(it->get_ref<const std::string&>());
}

std::optional<std::string> author_of(const json& item) {
  const json* a = nullptr;
  auto authors = item.find("authors");
  if (authors != item.end() && authors->is_array() && !authors->empty() &&
      (*authors)[0].is_object()) {
    a = &(*authors)[0];
  } else if (auto author = item.find("author"); author != item.end() && author->is_object()) {
    a = &*author;
  }
  if (a == nullptr) {
    return std::nullopt;
  }
  auto name = string_of(*a, "name");
  return name ? name : string_of(*a, "url");
}

std::optional<std::int64_t> size_of(const json& v) {
  if (v.is_number_unsigned() || v.is_number_integer()) {
    return v.get<std::int64_t>() >= 0 ? std::optional(v.get<std::int64_t>()) : std::nullopt;
  }
  if (v.is_number_float()) {
    double d = v.get<double>();
    return std::isfinite(d) && d >= 0 && d < 9e18 ? std::optional(static_cast<std::int64_t>(d))
                                                  : std::nullopt;
  }
  if (v.is_string()) {
    auto s = text::clean(v.get_ref<const std::string&>());
    if (s && s->size() < 19 && s->find_first_not_of("0123456789") == std::string::npos) {
      return std::stoll(*s);
    }
  }
  return std::nullopt;
}

bool is_json_feed(const json& doc) {
  std::string version;
  if (auto v = doc.find("version"); v != doc.end()) {
    version = v->is_string() ? v->get<std::string>() : v->dump();
  }
  if (version.find("jsonfeed.org/version/") != std::string::npos) {
    return true;
  }
  auto items = doc.find("items");
  if (items == doc.end() || !items->is_array()) {
    return false;
  }
  auto bare = text::clean(version).value_or("");
  return bare == "1" || bare == "1.0" || bare == "1.1" || doc.contains("title") ||
         doc.contains("feed_url") || doc.contains("home_page_url");
}

Entry entry_of(const json& it, const std::string& base) {
  Entry e;
  if (auto id = it.find("id"); id != it.end() && !id->is_null()) {
    e.id =
        id->is_string() ? text::clean(id->get_ref<const std::string&>()) : text::clean(id->dump());
  }
  e.title = text::capped(string_of(it, "title"), text::kMaxTitleBytes);
  if (auto link = string_of(it, "url")) {
    e.link = url::resolve(base, *link);
  }
  e.author = author_of(it);
  if (auto d = string_of(it, "date_published")) {
    e.published = parse_date(*d);
  }
  if (auto d = string_of(it, "date_modified")) {
    e.updated = parse_date(*d);
  }
  if (auto summary = string_of(it, "summary")) {
    e.summary_html = html::escape(*summary);
  }
  if (auto content = string_of(it, "content_html")) {
    e.content_html = text::clean(html::sanitize(*content, base));
  } else if (auto plain = string_of(it, "content_text")) {
    e.content_html = html::escape(*plain);
  }
  if (auto atts = it.find("attachments"); atts != it.end() && atts->is_array()) {
    for (const json& a : *atts) {
      if (!a.is_object()) {
        continue;
      }
      auto u = string_of(a, "url");
      if (!u) {
        continue;
      }
      Enclosure enc;
      enc.url = *u;
      enc.type = string_of(a, "mime_type");
      if (auto size = a.find("size_in_bytes"); size != a.end()) {
        enc.length = size_of(*size);
      }
      if (auto seconds = a.find("duration_in_seconds"); seconds != a.end()) {
        if (auto d = size_of(*seconds); d && *d < 100LL * 365 * 86400) {
          enc.duration = std::chrono::seconds(*d);
        }
      }
      e.enclosures.push_back(std::move(enc));
    }
  }
  if (auto tags = it.find("tags"); tags != it.end() && tags->is_array()) {
    for (const json& t : *tags) {
      if (t.is_string()) {
        if (auto v = text::clean(t.get_ref<const std::string&>())) {
          e.categories.push_back(*v);
        }
      }
    }
  }
  return e;
}

} // namespace

std::optional<Feed> parse_json_feed(std::string_view body, const ParseOptions& options) {
  if (!utf8::is_valid(body) || !nesting_within(body, kMaxDepth)) {
    return std::nullopt;
  }
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !is_json_feed(doc)) {
    return std::nullopt;
  }
  Feed feed;
  feed.format = Format::json;
  feed.title = string_of(doc, "title");
  feed.link = string_of(doc, "home_page_url");
  std::string base = options.base_url;
  if (auto feed_url = string_of(doc, "feed_url"); feed_url && base.empty()) {
    base = *feed_url;
  }
  // Any "items" value is iterated as nlohmann iterates it (an object's values, a scalar
  // once); only objects become entries.
  if (auto items = doc.find("items"); items != doc.end()) {
    for (const json& it : *items) {
      if (it.is_object() && feed.entries.size() < 20000) {
        feed.entries.push_back(entry_of(it, base));
      }
    }
  }
  return feed;
}

} // namespace feedpop::feeds::json
