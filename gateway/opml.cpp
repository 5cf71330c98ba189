#include "gateway/opml.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>
#include <sstream>

#include <pugixml.hpp>
#include <yaml-cpp/exceptions.h>

#include "common/ascii.hpp"
#include "gateway/config_tree.hpp"

namespace feedpop::gateway {
namespace {

std::string trim(std::string_view s) {
  return std::string(ascii::trim(s));
}

// Attribute names differ in case between exporters (xmlUrl, xmlurl, XMLURL).
std::string attribute(const pugi::xml_node& node, const char* name) {
  for (const auto& attr : node.attributes()) {
    if (ascii::iequals_both(attr.name(), name)) {
      return trim(attr.value());
    }
  }
  return "";
}

// Apple's feed: scheme (feed://host/…, feed:https://host/…) names an http(s) URL.
std::string http_url(const std::string& url) {
  const std::string l = ascii::lower(url);
  if (l.rfind("feed:http://", 0) == 0 || l.rfind("feed:https://", 0) == 0) {
    return url.substr(5);
  }
  if (l.rfind("feed://", 0) == 0) {
    return "http://" + url.substr(7);
  }
  return url;
}

bool importable(const std::string& url) {
  const std::string l = ascii::lower(url);
  const std::size_t host = l.rfind("https://", 0) == 0 ? 8 : l.rfind("http://", 0) == 0 ? 7 : 0;
  return host != 0 && url.size() > host && url[host] != '/' &&
         url.find_first_of(" \t\r\n\"") == std::string::npos;
}

// Scheme and host are case-insensitive (RFC 3986 §6.2.2.1); the rest is compared as is.
std::string url_identity(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return url;
  }
  const auto path = url.find('/', scheme_end + 3);
  const std::string head = url.substr(0, path);
  return ascii::lower(head) + (path == std::string::npos ? "" : url.substr(path));
}

std::string host_of(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) {
    return "";
  }
  std::string host = url.substr(start + 3, url.find_first_of(":/?#", start + 3) - start - 3);
  host = ascii::lower(host);
  return host.rfind("www.", 0) == 0 ? host.substr(4) : host;
}

void walk(const pugi::xml_node& parent, std::vector<std::string> categories, OpmlDocument& out) {
  for (const auto& node : parent.children("outline")) {
    const std::string url = http_url(attribute(node, "xmlUrl"));
    std::string title = attribute(node, "text");
    if (title.empty()) {
      title = attribute(node, "title");
    }
    if (url.empty()) {
      // A folder (Feedly, Inoreader, NetNewsWire) or an empty separator outline.
      auto inner = categories;
      if (!title.empty()) {
        inner.push_back(title);
      }
      walk(node, inner, out);
      continue;
    }
    if (!importable(url)) {
      out.skipped.push_back(url + (title.empty() ? "" : " (" + title + ")") +
                            ": not an http(s) URL");
    } else {
      OpmlFeed feed{url, title, categories};
      // newsboat: category="tag one,tag/two"; OPML 2.0: comma-separated "/a/b" paths.
      std::stringstream list(attribute(node, "category"));
      for (std::string item; std::getline(list, item, ',');) {
        item = trim(item);
        while (!item.empty() && item.front() == '/') {
          item.erase(0, 1);
        }
        if (!item.empty()) {
          feed.categories.push_back(item);
        }
      }
      out.feeds.push_back(std::move(feed));
    }
    walk(node, categories, out); // rare, but outlines with xmlUrl may nest others
  }
}

// A YAML double-quoted scalar (YAML 1.2 §7.3.1): escapes \, " and control characters.
std::string quoted(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string feed_yaml(const ImportedFeed& feed, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  std::string out = pad + feed.key + ":\n";
  out += pad + "  url: " + quoted(feed.url) + "\n";
  if (!feed.title.empty()) {
    out += pad + "  title: " + quoted(feed.title) + "\n";
  }
  if (!feed.tags.empty()) {
    out += pad + "  tags: [";
    for (std::size_t i = 0; i < feed.tags.size(); ++i) {
      out += (i == 0 ? "" : ", ") + feed.tags[i];
    }
    out += "]\n";
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

bool top_level_filler(const std::string& line) {
  return trim(line).empty() || line.front() == '#';
}

// "feeds:" followed by nothing but an optional comment.
bool is_blank_or_comment(const std::string& key_line) {
  const std::string rest = trim(key_line.substr(key_line.find(':') + 1));
  return rest.empty() || rest.front() == '#';
}

} // namespace

std::string slugify(const std::string& text) {
  std::string slug;
  bool dash = false;
  for (const unsigned char c : text) {
    if (ascii::is_alnum(static_cast<char>(c))) {
      if (dash && !slug.empty()) {
        slug += '-';
      }
      slug += ascii::lower(static_cast<char>(c));
      dash = false;
    } else {
      dash = true;
    }
    if (slug.size() >= 40) {
      break;
    }
  }
  while (!slug.empty() && slug.back() == '-') {
    slug.pop_back();
  }
  return slug;
}

OpmlDocument parse_opml(const std::string& xml) {
  pugi::xml_document doc;
  const auto result = doc.load_buffer(xml.data(), xml.size());
  if (!result) {
    throw OpmlError("not an OPML file: XML error at byte " + std::to_string(result.offset) + ": " +
                    result.description());
  }
  const auto root = doc.document_element();
  if (ascii::lower(root.name()) != "opml") {
    throw OpmlError(std::string("not an OPML file: the root element is <") + root.name() +
                    ">, expected <opml>");
  }
  const auto body = root.child("body");
  if (!body) {
    throw OpmlError("not an OPML file: <opml> has no <body>");
  }
  OpmlDocument out;
  walk(body, {}, out);
  return out;
}

ImportPlan plan_import(const Config& config, const OpmlDocument& opml) {
  ImportPlan plan;
  std::map<std::string, std::string> by_url; // url identity → feed key
  std::set<std::string> keys;
  for (const auto& [key, feed] : config.feeds) {
    by_url.emplace(url_identity(feed.url), key);
    keys.insert(key);
  }
  std::map<std::string, std::size_t> added_at; // feed key → index in plan.added
  for (const auto& feed : opml.feeds) {
    std::vector<std::string> tags;
    for (const auto& category : feed.categories) {
      const std::string tag = slugify(category);
      if (!tag.empty() && std::find(tags.begin(), tags.end(), tag) == tags.end()) {
        tags.push_back(tag);
      }
    }
    const auto known = by_url.find(url_identity(feed.url));
    if (known != by_url.end()) {
      const auto again = added_at.find(known->second);
      plan.duplicates.push_back(feed.url + " is already feed '" + known->second + "'" +
                                (again != added_at.end() ? " (from this file)" : ""));
      // The same feed in two folders (common in Feedly and Inoreader): keep both tags.
      if (again != added_at.end()) {
        auto& first = plan.added[again->second].tags;
        for (const auto& tag : tags) {
          if (std::find(first.begin(), first.end(), tag) == first.end()) {
            first.push_back(tag);
          }
        }
      }
      continue;
    }
    std::string base = slugify(feed.title);
    if (base.empty()) {
      base = slugify(host_of(feed.url));
    }
    if (base.empty()) {
      base = "feed";
    }
    std::string key = base;
    for (int n = 2; keys.count(key) != 0; ++n) {
      key = base + "-" + std::to_string(n);
    }
    keys.insert(key);
    by_url.emplace(url_identity(feed.url), key);
    added_at.emplace(key, plan.added.size());
    plan.added.push_back(ImportedFeed{key, feed.url, feed.title, tags});
  }
  return plan;
}

std::string append_feeds(const std::string& config_text, const std::vector<ImportedFeed>& feeds,
                         const std::string& comment) {
  if (feeds.empty()) {
    return config_text;
  }
  ConfigTree tree;
  try {
    tree = ConfigTree::parse(config_text);
  } catch (const YAML::Exception& e) {
    throw OpmlError(std::string("the configuration is not valid YAML: ") + e.what());
  }
  const ConfigNode root = tree.root();
  if (!root.is_null() && (!root.is_map() || root.flow())) {
    throw OpmlError("the configuration's top level is not a block mapping; add feeds by hand");
  }
  std::vector<std::string> lines = split_lines(config_text);
  int feeds_line = -1;
  int next_line = static_cast<int>(lines.size()); // the top-level key after feeds:
  ConfigNode feeds_node;
  for (const auto [key, value] : root.pairs()) {
    if (key.scalar() == "feeds") {
      feeds_line = key.mark().line;
      feeds_node = value;
    }
  }
  for (const auto [key, value] : root.pairs()) {
    const int line = key.mark().line;
    if (feeds_line >= 0 && line > feeds_line && line < next_line) {
      next_line = line;
    }
  }
  int indent = 2;
  std::size_t insert_at = lines.size();
  if (feeds_line < 0) {
    // No feeds yet: a new section at the end.
  } else if (feeds_node.is_map() && !feeds_node.flow()) {
    indent = feeds_node.key(0).mark().column;
    // Stop before the comments and blank lines that introduce the next top-level key.
    insert_at = static_cast<std::size_t>(next_line);
    while (insert_at > static_cast<std::size_t>(feeds_line) + 1 &&
           top_level_filler(lines[insert_at - 1])) {
      --insert_at;
    }
  } else if (feeds_node.is_null() &&
             is_blank_or_comment(lines[static_cast<std::size_t>(feeds_line)])) {
    insert_at = static_cast<std::size_t>(feeds_line) + 1;
  } else {
    throw OpmlError("'feeds:' is not a block mapping (e.g. written as {...}); write it as "
                    "indented lines to import into it");
  }
  std::string block =
      feeds_line < 0 ? "\n# " + comment + "\nfeeds:\n"
                     : std::string(static_cast<std::size_t>(indent), ' ') + "# " + comment + "\n";
  for (const auto& feed : feeds) {
    block += feed_yaml(feed, indent);
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == insert_at) {
      out += block;
    }
    out += lines[i] + "\n";
  }
  if (insert_at >= lines.size()) {
    out += block;
  }
  return out;
}

std::string write_opml(const Config& config, std::vector<std::string>& skipped) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto opml = doc.append_child("opml");
  opml.append_attribute("version") = "2.0";
  auto head = opml.append_child("head");
  head.append_child("title").text() = "feedpop feeds";
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm); // RFC 822, as OPML 2.0
  head.append_child("dateCreated").text() = date;
  auto body = opml.append_child("body");
  std::map<std::string, pugi::xml_node> folders;
  for (const auto& [key, feed] : config.feeds) {
    if (feed.url.rfind("file:", 0) == 0) {
      skipped.push_back(key + ": a local file (" + feed.url + ")");
      continue;
    }
    pugi::xml_node parent = body;
    if (!feed.tags.empty()) {
      auto& folder = folders[feed.tags.front()];
      if (!folder) {
        folder = body.append_child("outline");
        folder.append_attribute("text") = feed.tags.front().c_str();
        folder.append_attribute("title") = feed.tags.front().c_str();
      }
      parent = folder;
    }
    const std::string title = feed.title.value_or(key);
    auto outline = parent.append_child("outline");
    outline.append_attribute("type") = "rss";
    outline.append_attribute("text") = title.c_str();
    outline.append_attribute("title") = title.c_str();
    outline.append_attribute("xmlUrl") = feed.url.c_str();
    if (feed.tags.size() > 1) {
      std::string categories;
      for (const auto& tag : feed.tags) {
        categories += (categories.empty() ? "/" : ",/") + tag;
      }
      outline.append_attribute("category") = categories.c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

} // namespace feedpop::gateway
