// `feedpop render FILE|URL`: the messages a feed document's entries become, as an mbox
// (mboxrd: LF line ends, "From " separator lines, ">From " quoting that can be undone).
// No page, image or enclosure is fetched.
// `feedpop [--config FILE] render [FILE|URL] --feed KEY`: the messages ingest would store
// for the configured feed (its URL unless a document is named), made by ingest's own
// functions: bodies (full article, inline images, attached enclosures) as the feed's
// options say (ingest/entry_bodies.hpp; `--no-fetch`: none fetched), rules and rendering
// by ingest::plan_ingest, in the order ingest stores them (oldest first). A report of
// what each rule did (gateway/rule_report.hpp) goes to standard error, or alone to
// standard output (--summary).

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"
#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/document_source.hpp"
#include "gateway/ingest_options.hpp"
#include "gateway/rule_report.hpp"
#include "ingest/entry_bodies.hpp"
#include "ingest/ingest.hpp"
#include "ingest/ingest_poll.hpp"
#include "ingest/inline_images.hpp"
#include "mail/render.hpp"

namespace feedpop::gateway {
namespace {

struct RenderArgs {
  std::string source;
  std::string key = "feed";
  std::string hostname = "feedpop.localhost";
  std::string feed; // --feed: a key of the configuration's feeds
  bool summary = false;
  bool no_fetch = false; // --feed without fetching articles, images or enclosures
};

// The mbox separator's date is asctime()'s form: "Fri Nov 27 16:05:37 2026".
std::string from_line_date(std::chrono::sys_seconds time) {
  static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{time - days};
  return fmt::format("{} {} {:2} {:02}:{:02}:{:02} {}",
                     weekdays[std::chrono::weekday{days}.c_encoding()],
                     months[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), static_cast<int>(ymd.year()));
}

// One message in mboxrd form: CRLF → LF, and every line matching ^>*From  gains a '>'.
void append_mbox_message(std::string& out, const std::string& message,
                         std::chrono::sys_seconds date) {
  out += fmt::format("From MAILER-DAEMON {}\n", from_line_date(date));
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t end = message.find("\r\n", pos);
    if (end == std::string::npos) {
      end = message.size();
    }
    const std::string_view line = std::string_view(message).substr(pos, end - pos);
    const std::size_t quotes = line.find_first_not_of('>');
    if (quotes != std::string_view::npos && line.substr(quotes).starts_with("From ")) {
      out += '>';
    }
    out.append(line);
    out += '\n';
    pos = end + 2;
  }
  out += '\n';
}

std::chrono::sys_seconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

int write_stdout(const std::string& out) {
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? exit_ok : exit_runtime;
}

int run_render(const RenderArgs& args) {
  Document doc = load_document(args.source);
  const auto parsed = feeds::parse(std::move(doc.body), {doc.url, doc.content_type});
  if (const auto* error = std::get_if<feeds::ParseError>(&parsed)) {
    std::cerr << "feedpop: " << args.source << ": " << error->message << '\n';
    return exit_runtime;
  }
  const auto& feed = std::get<feeds::Feed>(parsed);
  const auto identities = feeds::entry_identities(feed);
  const mail::FeedInfo info{args.key, feed.title, doc.url, feed.link};
  const auto now = now_seconds();
  std::set<std::string> seen;
  std::string out;
  for (std::size_t i = 0; i < feed.entries.size(); ++i) {
    if (!seen.insert(identities[i]).second) {
      continue; // an identical repeat within the document (feeds/identity.hpp), as at ingest
    }
    const feeds::Entry& entry = feed.entries[i];
    mail::RenderOptions options;
    options.hostname = args.hostname;
    options.identity = identities[i];
    options.first_seen = now;
    options.html_sanitized = true; // as at ingest: the entry comes from feeds::parse
    append_mbox_message(out, mail::render(entry, info, options),
                        entry.published ? *entry.published : entry.updated.value_or(now));
  }
  return write_stdout(out);
}

// The feed's document: the named FILE|URL, else its URL fetched as a poll fetches it
// (ingest::poll_request: user agent, private-address policy) through `http`.
std::optional<Document> feed_document(const RenderArgs& args, const ingest::Options& options,
                                      const ingest::FeedOptions& feed, feeds::HttpClient& http) {
  if (!args.source.empty()) {
    return load_document(args.source);
  }
  const auto state = ingest::sync_feed_state(feed, std::nullopt);
  feeds::FetchResult result = http.fetch(ingest::poll_request(options, feed, state));
  if (auto* failed = std::get_if<feeds::FetchFailed>(&result)) {
    std::cerr << "feedpop: " << feed.url << ": " << failed->error << '\n';
    return std::nullopt;
  }
  auto& fetched = std::get<feeds::Fetched>(result); // no validators sent: never a 304
  return Document{std::move(fetched.body), fetched.info.url, fetched.info.content_type};
}

struct RuleOutcome {
  content::RuleVerdict verdict;
  std::vector<content::RewriteCount> counts;
};

// Full articles and images as ingest fetched them, when the feed has any.
void report_fetches(const RenderArgs& args, const ingest::Options& options,
                    const ingest::FeedOptions& feed, const ingest::BodyStats& stats) {
  if (args.no_fetch) {
    std::cerr << "feed " << feed.key << ": --no-fetch: no article page, image or enclosure\n";
  } else if (ingest::content_mode(options, feed) != ingest::ContentMode::feed ||
             ingest::images_mode(options, feed) == ingest::ImagesMode::inline_) {
    std::cerr << fmt::format(
        "feed {}: {} full articles fetched, {} failed; {} images not inlined\n", feed.key,
        stats.articles.fetched, stats.articles.failed, stats.images_failed);
  }
}

// What ingest would store for the feed's document, with what the rules did by entry.
struct FeedRender {
  std::chrono::sys_seconds now;
  ingest::BodyStats stats;
  std::map<std::size_t, RuleOutcome> outcomes; // by entry index: the report's order
  ingest::IngestPlan plan;
};

void plan_feed(const RenderArgs& args, const ingest::Options& options,
               const ingest::FeedOptions& feed, const feeds::Feed& document,
               feeds::HttpClient& http, FeedRender& out) {
  const std::vector<std::pair<std::string, std::string>> known; // as on a first poll
  ingest::IngestInput in;
  in.feed = &document;
  in.config = &feed;
  in.hostname = options.hostname;
  in.feed_url = feed.url;
  in.known = &known;
  in.first_poll = false; // every entry, not only the newest `initial`
  in.now = out.now;
  in.bodies = [&](const std::vector<std::size_t>& indices) {
    return ingest::entry_bodies(options, feed, document, indices, out.stats,
                                args.no_fetch ? nullptr : &http);
  };
  in.rules_seen = [&out](std::size_t i, const content::RuleVerdict& verdict,
                         const std::vector<content::RewriteCount>& counts) {
    out.outcomes[i] = {verdict, counts};
  };
  out.plan = ingest::plan_ingest(in);
}

int run_feed_render(const RenderArgs& args, const ingest::Options& options,
                    const ingest::FeedOptions& feed) {
  feeds::HttpClient http(ingest::http_options(options));
  std::optional<Document> doc = feed_document(args, options, feed, http);
  if (!doc) {
    return exit_runtime;
  }
  const auto parsed = feeds::parse(std::move(doc->body), {doc->url, doc->content_type});
  if (const auto* error = std::get_if<feeds::ParseError>(&parsed)) {
    std::cerr << "feedpop: " << (args.source.empty() ? feed.url : args.source) << ": "
              << error->message << '\n';
    return exit_runtime;
  }
  const auto& document = std::get<feeds::Feed>(parsed);
  FeedRender render{now_seconds(), {}, {}, {}};
  plan_feed(args, options, feed, document, http, render);

  const content::RuleSet rules = ingest::feed_rules(feed);
  RuleReport report(feed.key, rules);
  for (const auto& [i, outcome] : render.outcomes) {
    report.add(document.entries[i].title.value_or(""), outcome.verdict, outcome.counts);
  }
  report_fetches(args, options, feed, render.stats);
  if (args.summary) {
    return write_stdout(report.text());
  }
  std::cerr << report.text();
  std::string out;
  for (const storage::NewEntry& entry : render.plan.entries) {
    if (entry.deliver) {
      append_mbox_message(out, entry.message, entry.entry_date.value_or(render.now));
    }
  }
  return write_stdout(out);
}

// --feed KEY: the feed's options as ingest has them (gateway/ingest_options.hpp).
int run_configured_render(const RenderArgs& args, const GlobalOptions& global) {
  Config config;
  try {
    config = load_config(global.config);
  } catch (const ConfigError& e) {
    std::cerr << e.what() << '\n';
    return exit_config;
  }
  const auto options = ingest_options(config);
  const auto feed = options.feeds.find(args.feed);
  if (feed == options.feeds.end()) {
    std::cerr << "feedpop: " << global.config << " has no feed '" << args.feed << "'\n";
    return exit_config;
  }
  return run_feed_render(args, options, feed->second);
}

} // namespace

void add_render_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto args = std::make_shared<RenderArgs>();
  auto* cmd = app.add_subcommand("render",
                                 "Print the RFC 5322 messages a feed's entries become, as an mbox");
  cmd->add_option("source", args->source,
                  "Feed file, - for standard input, or URL (default with --feed: its URL)");
  cmd->add_option("--key", args->key, "Feed key: From address, List-Id, Message-ID")
      ->capture_default_str();
  cmd->add_option("--hostname", args->hostname, "Domain of From, List-Id and Message-ID")
      ->capture_default_str();
  cmd->add_option("--feed", args->feed,
                  "A feed of the configuration: the messages ingest would store for it (full "
                  "articles, inline images, attached enclosures, rules, as configured), oldest "
                  "first, with a report of what its rules did");
  cmd->add_flag("--summary", args->summary, "With --feed: print only the report, no messages");
  cmd->add_flag("--no-fetch", args->no_fetch,
                "With --feed: fetch no article page, image or enclosure (offline; the feed's "
                "own bodies)");
  // `render --config FILE --feed KEY` reads as naturally as `--config FILE render ...`.
  cmd->fallthrough();
  cmd->callback([args, &global, &status] {
    if (!args->feed.empty()) {
      status = run_configured_render(*args, global);
    } else if (args->source.empty() || args->summary || args->no_fetch) {
      std::cerr << "feedpop render: give a feed FILE|URL, or --feed KEY (--summary and "
                   "--no-fetch need it)\n";
      status = exit_config;
    } else {
      status = run_render(*args);
    }
  });
}

} // namespace feedpop::gateway
