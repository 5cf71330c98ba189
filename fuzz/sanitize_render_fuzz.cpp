// Differential fuzz target for the sanitiser and the renderer (issue 16): feed bytes go
// through feeds::parse and mail::render exactly as ingest sends them, the delivered
// message is decoded again (MIME parts, quoted-printable, base64), and its HTML is checked
// twice, by the tokenizer and by an independent scan of the raw attribute text:
//  - no event handler attribute (on...);
//  - every URL attribute (href, src, action, ...) has no scheme or http, https, mailto;
//    cid: and data:image/ only in an img src;
//  - no style attribute that could fetch (url(, image-set(, expression(, a backslash);
//  - Archived-At and X-Feed-URL name http, https or mailto URLs only.
// The checks reimplement the scheme rule instead of calling feeds::url, so a mistake in
// the rule shows up as a disagreement.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ascii.hpp"
#include "common/base64.hpp"
#include "feeds/html.hpp"
#include "feeds/parse.hpp"
#include "mail/render.hpp"

namespace {

namespace ascii = feedpop::ascii;

// The value without bytes <= 0x20 (browsers drop tabs and newlines in URLs and strip
// spaces and controls around them), lower case.
std::string compact(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (static_cast<unsigned char>(c) > 0x20) {
      out += ascii::lower(c);
    }
  }
  return out;
}

// The scheme of a URL as a browser reads it, "" for a relative reference.
std::string scheme_of(std::string_view value) {
  const std::string v = compact(value);
  std::size_t i = 0;
  while (i < v.size() && (ascii::is_alnum(v[i]) || v[i] == '+' || v[i] == '-' || v[i] == '.')) {
    ++i;
  }
  if (i == v.size() || v[i] != ':' || i == 0 || !ascii::is_alpha(v[0])) {
    return "";
  }
  return v.substr(0, i);
}

bool safe_url(std::string_view value, bool image) {
  const std::string scheme = scheme_of(value);
  if (scheme.empty() || scheme == "http" || scheme == "https" || scheme == "mailto") {
    return true;
  }
  return image && (scheme == "cid" || compact(value).compare(0, 11, "data:image/") == 0);
}

bool is_url_attribute(std::string_view name) {
  static constexpr std::string_view names[] = {
      "href",     "src",        "action",   "formaction", "background", "cite",
      "longdesc", "poster",     "usemap",   "lowsrc",     "dynsrc",     "data",
      "srcset",   "xlink:href", "codebase", "ping",       "manifest"};
  return std::find(std::begin(names), std::end(names), name) != std::end(names);
}

void check_attribute(std::string_view element, std::string_view name, std::string_view value) {
  const std::string n = ascii::lower(name);
  if (n.starts_with("on")) {
    __builtin_trap();
  }
  if (is_url_attribute(n) && !safe_url(value, element == "img" && n == "src")) {
    __builtin_trap();
  }
  if (n == "style") {
    const std::string v = compact(value);
    for (std::string_view f : {"url(", "image-set(", "expression(", "javascript:", "\\"}) {
      if (v.find(f) != std::string::npos) {
        __builtin_trap();
      }
    }
  }
}

// The tokenizer's view of the HTML.
void check_tokens(std::string_view html) {
  feedpop::feeds::html::tokenize(html, [](const feedpop::feeds::html::Token& t) {
    if (t.kind != feedpop::feeds::html::Token::Kind::start_tag) {
      return;
    }
    if (t.name == "script" || t.name == "iframe" || t.name == "object" || t.name == "embed") {
      __builtin_trap();
    }
    for (const auto& [name, value] : t.attrs) {
      check_attribute(t.name, name, value);
    }
  });
}

// An independent scan: every name="value" pair in the raw text. Text content is escaped
// (" is &quot;), so =" occurs only inside tags; values are decoded as a browser would.
void check_raw_attributes(std::string_view html) {
  for (std::size_t eq = html.find("=\""); eq != std::string_view::npos;
       eq = html.find("=\"", eq + 2)) {
    std::size_t start = eq;
    while (start > 0 && !ascii::is_space(html[start - 1]) && html[start - 1] != '<') {
      --start;
    }
    const std::string_view name = html.substr(start, eq - start);
    const std::size_t close = html.find('"', eq + 2);
    const std::string_view raw =
        html.substr(eq + 2, (close == std::string_view::npos ? html.size() : close) - eq - 2);
    // The element: the name after the last '<' before the attribute.
    const std::size_t lt = html.rfind('<', start);
    std::size_t name_end = lt == std::string_view::npos ? 0 : lt + 1;
    while (name_end < html.size() && ascii::is_alnum(html[name_end])) {
      ++name_end;
    }
    const std::string element =
        lt == std::string_view::npos ? "" : ascii::lower(html.substr(lt + 1, name_end - lt - 1));
    check_attribute(element, name, feedpop::feeds::html::decode_entities(raw));
  }
}

std::string decode_quoted_printable(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
    } else if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
      i += 2; // soft line break
    } else if (i + 2 < s.size() && ascii::is_xdigit(s[i + 1]) && ascii::is_xdigit(s[i + 2])) {
      const auto hex = [](char c) {
        return ascii::is_digit(c) ? c - '0' : ascii::lower(c) - 'a' + 10;
      };
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      __builtin_trap(); // the renderer writes only valid quoted-printable
    }
  }
  return out;
}

// The value of header field `name` in `head` ("" when absent), unfolded.
std::string header(std::string_view head, std::string_view name) {
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    end = end == std::string_view::npos ? head.size() : end;
    const std::string_view line = head.substr(pos, end - pos);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        ascii::iequals_both(line.substr(0, name.size()), name)) {
      std::string value(line.substr(name.size() + 1));
      std::size_t next = end + 2;
      while (next < head.size() && (head[next] == ' ' || head[next] == '\t')) {
        const std::size_t e = std::min(head.find("\r\n", next), head.size());
        value += head.substr(next, e - next);
        next = e + 2;
      }
      return value;
    }
    pos = end + 2;
  }
  return "";
}

void check_part(std::string_view part) {
  const std::size_t split = part.find("\r\n\r\n");
  if (split == std::string_view::npos) {
    __builtin_trap();
  }
  const std::string_view head = part.substr(0, split + 2);
  const std::string_view body = part.substr(split + 4);
  const std::string type = ascii::lower(header(head, "Content-Type"));
  if (type.find("text/html") == std::string::npos) {
    return;
  }
  const std::string cte = ascii::lower(header(head, "Content-Transfer-Encoding"));
  std::string html;
  if (cte.find("base64") != std::string::npos) {
    auto decoded = feedpop::base64::decode_lenient(body);
    if (!decoded) {
      __builtin_trap();
    }
    html = std::move(*decoded);
  } else {
    html = decode_quoted_printable(body);
  }
  check_tokens(html);
  check_raw_attributes(html);
}

void check_message(const std::string& message) {
  const std::size_t split = message.find("\r\n\r\n");
  if (split == std::string::npos) {
    __builtin_trap();
  }
  const std::string_view head(message.data(), split + 2);
  for (std::string_view field : {"Archived-At", "X-Feed-URL"}) {
    std::string v = compact(header(head, field));
    if (v.empty()) {
      continue;
    }
    if (v.front() != '<' || v.back() != '>') {
      __builtin_trap();
    }
    const std::string scheme = scheme_of(v.substr(1, v.size() - 2));
    if (scheme != "http" && scheme != "https" && scheme != "mailto") {
      __builtin_trap();
    }
  }
  const std::string type = header(head, "Content-Type");
  const std::size_t b = type.find("boundary=\"");
  if (b == std::string::npos) {
    check_part(message);
    return;
  }
  const std::string delimiter = "\r\n--" + type.substr(b + 10, type.find('"', b + 10) - b - 10);
  std::size_t pos = message.find(delimiter, split);
  while (pos != std::string::npos) {
    const std::size_t start = pos + delimiter.size();
    if (message.compare(start, 2, "--") == 0) {
      break;
    }
    const std::size_t next = message.find(delimiter, start);
    if (next == std::string::npos) {
      __builtin_trap(); // no closing delimiter
    }
    check_part(std::string_view(message).substr(start + 2, next - start - 2));
    pos = next;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  // The first byte picks the document's base URL (ingest passes the feed's URL; `parse`
  // of a local file passes none) and whether the renderer re-sanitises.
  const std::uint8_t mode = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  feedpop::feeds::ParseOptions options;
  options.base_url = (mode & 1) != 0 ? "https://feed.example/blog/feed.xml" : "";
  const auto parsed = feedpop::feeds::parse(body, options);
  const auto* feed = std::get_if<feedpop::feeds::Feed>(&parsed);
  if (feed == nullptr) {
    return 0;
  }
  const feedpop::mail::FeedInfo info{"fuzz", feed->title,
                                     (mode & 1) != 0 ? options.base_url : "https://feed.example/",
                                     feed->link};
  const std::size_t count = std::min<std::size_t>(feed->entries.size(), 8);
  for (std::size_t i = 0; i < count; ++i) {
    feedpop::mail::RenderOptions render_options;
    render_options.identity = "entry-" + std::to_string(i);
    render_options.html_sanitized = (mode & 2) == 0; // ingest's path: parse sanitised it
    check_message(feedpop::mail::render(feed->entries[i], info, render_options));
  }
  return 0;
}
