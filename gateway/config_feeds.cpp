// feeds.yaml's `feeds:` section: one feed per key.

#include "common/ascii.hpp"
#include "content/rules.hpp"
#include "gateway/config_loader.hpp"

namespace feedpop::gateway::config_detail {

namespace {

std::string percent_encode_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (ascii::is_alnum(static_cast<char>(c)) || c == '/' || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace

// http(s) URLs are kept as written. `file:` URLs are made absolute: `file:relative/path`
// (no slashes after the colon) is relative to the config file's folder, so the shipped
// welcome feed works from any checkout; `file:///abs` and `file:/abs` are absolute.
std::string Loader::feed_url(const Field& field) const {
  const std::string url = text(field, "a URL");
  const auto colon = url.find(':');
  const std::string scheme = colon == std::string::npos ? "" : ascii::lower(url.substr(0, colon));
  const std::string rest = colon == std::string::npos ? "" : url.substr(colon + 1);
  if (scheme == "http" || scheme == "https") {
    if (rest.rfind("//", 0) != 0 || rest.size() <= 2 || rest[2] == '/' ||
        url.find_first_of(" \t\r\n") != std::string::npos) {
      fail(field, "bad URL '" + url + "'; expected " + scheme + "://host/path");
    }
    return url;
  }
  if (scheme != "file") {
    fail(field, "unsupported URL '" + url + "'; expected an http://, https:// or file: URL");
  }
  std::string file_path;
  if (rest.rfind("///", 0) == 0) {
    file_path = rest.substr(2);
  } else if (rest.rfind("//localhost/", 0) == 0) {
    file_path = rest.substr(11);
  } else if (rest.rfind("//", 0) == 0) {
    fail(field, "file URL '" + url +
                    "' names a host; use file:relative/path (relative to "
                    "the config file's folder) or file:///absolute/path");
  } else if (!rest.empty() && rest.front() == '/') {
    file_path = rest;
  } else if (!rest.empty()) {
    file_path = percent_encode_path((base_dir_ / rest).lexically_normal().string());
  } else {
    fail(field, "file URL '" + url + "' has no path");
  }
  return "file://" + file_path;
}

// Filters are RE2 patterns (content/rules.hpp); one RE2 cannot compile (a
// lookaround, a backreference, a syntax error) is refused here, where it is written.
std::vector<std::string> Loader::patterns(const Field& field) const {
  std::vector<std::string> out;
  for (const auto& item : list(field, "regular expressions")) {
    std::string pattern(item.scalar());
    if (auto error = content::pattern_error(pattern)) {
      fail(item.mark(),
           field.path + ": bad regular expression '" + pattern + "': " + *error + " (RE2 syntax)");
    }
    out.push_back(std::move(pattern));
  }
  return out;
}

FeedConfig Loader::load_feed(const Field& entry) {
  FeedConfig feed;
  feed.key = entry.name;
  feed.line = entry.key.mark().line + 1;
  if (!is_mail_safe_name(feed.key, false)) {
    fail(entry.key.mark(), "feed key '" + feed.key +
                               "' cannot be used in a mail address; use letters, digits, "
                               "'.', '_' and '-' (at most 64, no leading, trailing or double dot)");
  }
  bool has_url = false;
  for (const auto& f : fields(entry, "feeds.*")) {
    if (f.name == "url") {
      feed.url = feed_url(f);
      has_url = true;
    } else if (f.name == "title") {
      feed.title = text(f);
    } else if (f.name == "interval") {
      feed.interval = duration(f);
    } else if (f.name == "initial") {
      if (text(f, "a number or 'all'") == "all") {
        feed.initial = std::nullopt;
      } else {
        feed.initial = static_cast<std::size_t>(count(f, 0, 1'000'000));
      }
    } else if (f.name == "tags") {
      for (const auto& item : list(f, "tags")) {
        std::string tag(item.scalar());
        if (!is_mail_safe_name(tag, false)) {
          fail(item.mark(), f.path + ": tag '" + tag +
                                "' cannot be used in a mail address; use letters, digits, "
                                "'.', '_' and '-'");
        }
        feed.tags.push_back(std::move(tag));
      }
    } else if (f.name == "user_agent") {
      feed.user_agent = text(f);
    } else if (f.name == "retention") {
      feed.retention = duration(f);
    } else if (f.name == "max_entries") {
      feed.max_entries = static_cast<std::size_t>(count(f, 1, 100'000'000));
    } else if (f.name == "on_update") {
      feed.on_update =
          choice<OnUpdate>(f, {{"ignore", OnUpdate::ignore}, {"redeliver", OnUpdate::redeliver}});
    } else if (f.name == "include") {
      feed.include = patterns(f);
    } else if (f.name == "exclude") {
      feed.exclude = patterns(f);
    } else if (f.name == "content") {
      feed.content = content_mode(f);
    } else if (f.name == "content_selector") {
      feed.content_selector = text(f, "an XPath expression");
    } else if (f.name == "images") {
      feed.images = images_mode(f);
    } else if (f.name == "rules") {
      feed.rules = rules(f);
    } else if (f.name == "images_max_width") {
      feed.images_max_width = images_max_width(f);
    } else if (f.name == "enclosures") {
      feed.enclosures = enclosures_mode(f);
    } else if (f.name == "enclosures_max_size") {
      feed.enclosures_max_size = size(f);
    } else if (f.name == "digest") {
      feed.digest = digest(f);
    }
  }
  if (!has_url) {
    fail(entry.key.mark(), "feed '" + feed.key + "' has no url (expected url: https://...)");
  }
  return feed;
}

} // namespace feedpop::gateway::config_detail
