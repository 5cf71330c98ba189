#include "feeds/json_parser.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "feeds/dates.hpp"
#include "feeds/html.hpp"
#include "feeds/text_construct.hpp"
#include "feeds/url.hpp"
#include "feeds/utf8.hpp"

namespace feedpop::feeds::json {

namespace {

using nlohmann::json;

// nlohmann's parser recurses per nesting level: refuse absurd nesting before parsing.
bool nesting_within(std::string_view s, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
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

// Reads a JSON document (RFC 8259) into the nlohmann::json value nlohmann's own parser
// would build, accepting and refusing exactly what it does: its lexer copies every byte into
// an error-reporting buffer, which made it most of the cost of a JSON feed. Numbers, rare in
// feeds, are still converted by nlohmann (same integer/float choice). Nesting is bounded by
// the caller (nesting_within).
class Reader {
public:
  explicit Reader(std::string_view s) : s_(s) {}

  // The document's value; nullopt where nlohmann reports a parse error.
  std::optional<json> document() {
    if (!s_.empty() && static_cast<unsigned char>(s_[0]) == 0xEF) {
      if (!s_.starts_with("\xEF\xBB\xBF")) {
        return std::nullopt;
      }
      i_ = 3;
    }
    json v;
    if (!value(v)) {
      return std::nullopt;
    }
    skip_whitespace();
    // nlohmann reads a NUL byte outside strings as the end of the input.
    if (peek() != '\0') {
      return std::nullopt;
    }
    return v;
  }

private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  void skip_whitespace() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }

  bool value(json& out) {
    skip_whitespace();
    switch (peek()) {
    case '{':
      return object(out);
    case '[':
      return array(out);
    case '"': {
      std::string text;
      if (!string(text)) {
        return false;
      }
      out = std::move(text);
      return true;
    }
    case 't':
      return literal("true", out, json(true));
    case 'f':
      return literal("false", out, json(false));
    case 'n':
      return literal("null", out, json(nullptr));
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return number(out);
    default:
      return false;
    }
  }

  bool object(json& out) {
    ++i_;
    out = json::object();
    skip_whitespace();
    if (peek() == '}') {
      ++i_;
      return true;
    }
    std::string key;
    while (true) {
      skip_whitespace();
      key.clear();
      if (peek() != '"' || !string(key)) {
        return false;
      }
      skip_whitespace();
      if (peek() != ':') {
        return false;
      }
      ++i_;
      // A repeated key replaces the earlier value, as in nlohmann's DOM parser.
      if (!value(out[key])) {
        return false;
      }
      skip_whitespace();
      char c = peek();
      ++i_;
      if (c == '}') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  bool array(json& out) {
    ++i_;
    out = json::array();
    skip_whitespace();
    if (peek() == ']') {
      ++i_;
      return true;
    }
    while (true) {
      if (!value(out.emplace_back())) {
        return false;
      }
      skip_whitespace();
      char c = peek();
      ++i_;
      if (c == ']') {
        return true;
      }
      if (c != ',') {
        return false;
      }
    }
  }

  bool literal(std::string_view word, json& out, json v) {
    if (s_.substr(i_, word.size()) != word) {
      return false;
    }
    i_ += word.size();
    out = std::move(v);
    return true;
  }

  bool number(json& out) {
    std::size_t end = i_;
    while (end < s_.size() && (is_digit(s_[end]) || s_[end] == '-' || s_[end] == '+' ||
                               s_[end] == '.' || s_[end] == 'e' || s_[end] == 'E')) {
      ++end;
    }
    // A run that is not exactly one number is an error in the whole document too: nlohmann
    // would read a second number or an invalid literal right after the first.
    out = json::parse(s_.begin() + static_cast<std::ptrdiff_t>(i_),
                      s_.begin() + static_cast<std::ptrdiff_t>(end), nullptr, false);
    i_ = end;
    return !out.is_discarded();
  }

  // Four hex digits at s_[i_]; -1 when they are not.
  int hex4() {
    if (i_ + 4 > s_.size()) {
      return -1;
    }
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s_[i_++];
      int d = is_digit(c)              ? c - '0'
              : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                       : -1;
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  // The string at s_[i_] == '"' into out. Control characters must be escaped (RFC 8259
  // §7); a high surrogate escape must be followed by a low one.
  bool string(std::string& out) {
    ++i_;
    std::size_t run = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        out.append(s_.substr(run, i_ - run));
        ++i_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return false;
      }
      if (c != '\\') {
        ++i_;
        continue;
      }
      out.append(s_.substr(run, i_ - run));
      if (++i_ >= s_.size()) {
        return false;
      }
      switch (s_[i_++]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        if (!escaped_code_point(out)) {
          return false;
        }
        break;
      default:
        return false;
      }
      run = i_;
    }
    return false;
  }

  bool escaped_code_point(std::string& out) {
    int cp = hex4();
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) {
      return false;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (i_ + 2 > s_.size() || s_[i_] != '\\' || s_[i_ + 1] != 'u') {
        return false;
      }
      i_ += 2;
      int low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) {
        return false;
      }
      cp = ((cp - 0xD800) << 10) + (low - 0xDC00) + 0x10000;
    }
    utf8::append(out, static_cast<char32_t>(cp));
    return true;
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  std::string_view s_;
  std::size_t i_ = 0;
};

std::optional<std::string> string_of(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return std::nullopt;
  }
  return text::clean(it->get<std::string>());
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
    auto s = text::clean(v.get<std::string>());
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
    e.id = text::clean(id->is_string() ? id->get<std::string>() : id->dump());
  }
  e.title = string_of(it, "title");
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
      e.enclosures.push_back(std::move(enc));
    }
  }
  if (auto tags = it.find("tags"); tags != it.end() && tags->is_array()) {
    for (const json& t : *tags) {
      if (t.is_string()) {
        if (auto v = text::clean(t.get<std::string>())) {
          e.categories.push_back(*v);
        }
      }
    }
  }
  return e;
}

} // namespace

std::optional<Feed> parse_json_feed(std::string_view body, const ParseOptions& options) {
  if (!utf8::is_valid(body) || !nesting_within(body, 256)) {
    return std::nullopt;
  }
  std::optional<json> parsed = Reader(body).document();
  if (!parsed || !parsed->is_object() || !is_json_feed(*parsed)) {
    return std::nullopt;
  }
  json& doc = *parsed;
  Feed feed;
  feed.format = Format::json;
  feed.title = string_of(doc, "title");
  feed.link = string_of(doc, "home_page_url");
  std::string base = options.base_url;
  if (auto feed_url = string_of(doc, "feed_url"); feed_url && base.empty()) {
    base = *feed_url;
  }
  const json& items = doc["items"];
  for (const json& it : items) {
    if (it.is_object() && feed.entries.size() < 20000) {
      feed.entries.push_back(entry_of(it, base));
    }
  }
  return feed;
}

} // namespace feedpop::feeds::json
