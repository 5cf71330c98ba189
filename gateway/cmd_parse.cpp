// `feedpop parse FILE|URL [--json] [--base URL]`: the normalised form of one feed document
// (DESIGN.md user-facing contract; JSON schema: shared/tools/FEED_JSON.md, version 1).
//
// Exit status: 0 when a document was read and parsed. With --json, a document that is
// not a feed is still a valid answer (`"format": null`, no entries) and exits 0, as the
// schema defines it; without --json it is reported and exits 1. An unreadable document
// exits 3 (runtime failure).
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "feeds/dates.hpp"
#include "feeds/parse.hpp"
#include "gateway/commands.hpp"
#include "gateway/document_source.hpp"

namespace feedpop::gateway {

namespace {

using nlohmann::ordered_json;

ordered_json optional_string(const std::optional<std::string>& s) {
  return s ? ordered_json(*s) : ordered_json(nullptr);
}

ordered_json optional_date(const std::optional<std::chrono::sys_seconds>& t) {
  return t ? ordered_json(feeds::iso8601_utc(*t)) : ordered_json(nullptr);
}

ordered_json feed_json(const feeds::ParseResult& result) {
  ordered_json out;
  const auto* feed = std::get_if<feeds::Feed>(&result);
  out["format"] = feed == nullptr || feed->format == feeds::Format::unknown
                      ? ordered_json(nullptr)
                      : ordered_json(feeds::format_name(feed->format));
  out["title"] = feed != nullptr ? optional_string(feed->title) : ordered_json(nullptr);
  out["link"] = feed != nullptr ? optional_string(feed->link) : ordered_json(nullptr);
  out["entries"] = ordered_json::array();
  if (feed != nullptr) {
    for (const feeds::Entry& e : feed->entries) {
      ordered_json j;
      j["id"] = optional_string(e.id);
      j["title"] = optional_string(e.title);
      j["link"] = optional_string(e.link);
      j["author"] = optional_string(e.author);
      j["published"] = optional_date(e.published);
      j["updated"] = optional_date(e.updated);
      j["summary_html"] = optional_string(e.summary_html);
      j["content_html"] = optional_string(e.content_html);
      j["enclosures"] = ordered_json::array();
      for (const feeds::Enclosure& enc : e.enclosures) {
        j["enclosures"].push_back(
            {{"url", enc.url},
             {"type", optional_string(enc.type)},
             {"length", enc.length ? ordered_json(*enc.length) : ordered_json(nullptr)},
             {"duration",
              enc.duration ? ordered_json(enc.duration->count()) : ordered_json(nullptr)}});
      }
      // Extra keys (FEED_JSON.md allows them): Media RSS fields, seconds of playing time.
      j["media"] = e.media.empty()
                       ? ordered_json(nullptr)
                       : ordered_json{{"title", optional_string(e.media.title)},
                                      {"description", optional_string(e.media.description)},
                                      {"thumbnail", optional_string(e.media.thumbnail)},
                                      {"video", e.media.video}};
      out["entries"].push_back(std::move(j));
    }
  }
  // Informational, like the oracle's bozo fields (feeddiff ignores extra keys).
  const std::optional<std::string> problem =
      feed != nullptr ? feed->bozo : std::optional(std::get<feeds::ParseError>(result).message);
  out["bozo"] = problem.has_value();
  out["bozo_exception"] = optional_string(problem);
  return out;
}

void print_human(const feeds::Feed& feed, std::ostream& out) {
  auto show = [](const std::optional<std::string>& s) { return s ? *s : std::string("-"); };
  out << "Feed:    " << show(feed.title) << "\nLink:    " << show(feed.link)
      << "\nFormat:  " << feeds::format_name(feed.format) << "\nEntries: " << feed.entries.size()
      << '\n';
  if (feed.ttl) {
    out << "Poll hint: every " << feed.ttl->count() << " s\n";
  }
  if (feed.bozo) {
    out << "Recovered from: " << *feed.bozo << '\n';
  }
  int n = 0;
  for (const feeds::Entry& e : feed.entries) {
    out << '\n' << ++n << ". " << show(e.title) << '\n';
    out << "   link:      " << show(e.link) << '\n';
    if (e.id) {
      out << "   id:        " << *e.id << '\n';
    }
    if (e.author) {
      out << "   author:    " << *e.author << '\n';
    }
    out << "   published: " << (e.published ? feeds::iso8601_utc(*e.published) : "-") << '\n';
    if (e.updated) {
      out << "   updated:   " << feeds::iso8601_utc(*e.updated) << '\n';
    }
    for (const feeds::Enclosure& enc : e.enclosures) {
      out << "   enclosure: " << enc.url << ' ' << enc.type.value_or("") << '\n';
    }
  }
}

} // namespace

void add_parse_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand("parse", "Print the normalised feed of FILE or URL");
  static std::string source, base;
  static bool as_json = false;
  cmd->add_option("source", source, "Feed file, '-' for standard input, file:// or http(s) URL")
      ->required();
  cmd->add_flag("--json", as_json, "Print the feed JSON schema (shared/tools/FEED_JSON.md)");
  cmd->add_option("--base", base, "Base URL for relative links (default: the http(s) URL)");
  cmd->callback([&status] {
    Document doc;
    try {
      doc = load_document(source);
    } catch (const std::exception& e) {
      std::cerr << "feedpop parse: " << e.what() << '\n';
      status = exit_runtime;
      return;
    }
    feeds::ParseOptions options;
    // A local file's path is no base for a feed's links: they stay as the feed wrote them.
    options.base_url = !base.empty() ? base : doc.url.starts_with("http") ? doc.url : "";
    options.content_type = doc.content_type;
    feeds::ParseResult result = feeds::parse(std::move(doc.body), options); // parsed in place
    if (as_json) {
      std::cout << feed_json(result).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
      status = exit_ok;
      return;
    }
    const auto* feed = std::get_if<feeds::Feed>(&result);
    if (feed == nullptr || feed->format == feeds::Format::unknown) {
      std::cerr << "feedpop parse: " << source << ": "
                << (feed == nullptr ? std::get<feeds::ParseError>(result).message
                                    : std::string("not a feed (no RSS, Atom or JSON Feed root)"))
                << '\n';
      status = exit_config;
      return;
    }
    print_human(*feed, std::cout);
    status = exit_ok;
  });
}

} // namespace feedpop::gateway
