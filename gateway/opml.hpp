#pragma once
// OPML import and export (`feedpop opml import|export`): migration from other readers.
// OPML 2.0 is at http://opml.org/spec2.opml; exporters differ (Feedly, Inoreader,
// NetNewsWire, newsboat): folders as nested outlines or a `category` attribute, `xmlUrl`
// spelled in any case, `text` and/or `title`, sometimes neither.
//
// Pure functions on strings, except replace_config_file, the command's one write. Parsing throws
// OpmlError for a document that is not OPML at all; odd outlines are skipped and reported, not
// fatal.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/config.hpp"

namespace feedpop::gateway {

class OpmlError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct OpmlFeed {
  std::string url;                     // xmlUrl, trimmed
  std::string title;                   // text, else title; may be empty
  std::vector<std::string> categories; // enclosing folders, outermost first, + `category`
};

struct OpmlDocument {
  std::vector<OpmlFeed> feeds;      // in document order
  std::vector<std::string> skipped; // human-readable: outlines that are not importable
};

OpmlDocument parse_opml(const std::string& xml);

// The feed keys, titles and tags an import adds to `config`.
struct ImportedFeed {
  std::string key; // slugified title (else host), unique in the config
  std::string url;
  std::string title;
  std::vector<std::string> tags; // slugified categories
};

struct ImportPlan {
  std::vector<ImportedFeed> added;
  std::vector<std::string> duplicates; // human-readable; those feeds are not added
};

ImportPlan plan_import(const Config& config, const OpmlDocument& opml);

// `config_text` with `feeds` added under its `feeds:` mapping (created at the end when
// absent). The text is edited, not re-emitted, so comments and layout survive. Throws
// OpmlError when the file's layout does not allow it (e.g. `feeds: {...}` in flow style).
std::string append_feeds(const std::string& config_text, const std::vector<ImportedFeed>& feeds,
                         const std::string& comment);

// The config's feeds as OPML 2.0, grouped into folders by their first tag. `file:` feeds
// are local to this machine and are left out (listed in `skipped`).
std::string write_opml(const Config& config, std::vector<std::string>& skipped);

// Writes `text` over the config file at `path` the way `opml import` does: a new temporary
// file next to it, given the original's mode (and, when running as root, its owner and
// group) before its first byte, then renamed over it, so `serve` watching the file sees
// the old or the new config, never half of it. A missing file is created 0644. Throws
// std::runtime_error with the path and the system's reason. (Defined in cmd_opml.cpp.)
void replace_config_file(const std::filesystem::path& path, const std::string& text);

// Lowercase [a-z0-9] runs joined by '-', at most 40 characters; "" when nothing is left.
std::string slugify(const std::string& text);

} // namespace feedpop::gateway
