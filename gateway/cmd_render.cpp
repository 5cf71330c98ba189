// `feedpop render FILE|URL`: the messages a feed document's entries become, as an mbox
// (mboxrd: LF line ends, "From " separator lines, ">From " quoting that can be undone).
// `feedpop [--config FILE] render [FILE|URL] --feed KEY`: the configured feed (its URL
// unless a document is named) with its rules applied, and a report of what each rule did
// (gateway/rule_report.hpp) on standard error, or alone on standard output (--summary).

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include <fmt/format.h>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"
#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/document_source.hpp"
#include "gateway/ingest_options.hpp"
#include "gateway/rule_report.hpp"
#include "mail/render.hpp"

namespace feedpop::gateway {
namespace {

struct RenderArgs {
  std::string source;
  std::string key = "feed";
  std::string hostname = "feedpop.localhost";
  std::string feed; // --feed: a key of the configuration's feeds
  bool summary = false;
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

// The rules as ingest applies them (ingest/ingest.cpp): false when the entry is not
// delivered; else `entry` is rewritten and `options` carry its tags. Reported when asked.
bool apply_rules(const content::RuleSet& rules, feeds::Entry& entry, mail::RenderOptions& options,
                 RuleReport* report) {
  content::RuleVerdict verdict = rules.empty() ? content::RuleVerdict{} : rules.judge(entry);
  const std::string title = entry.title.value_or(""); // as the feed has it
  const auto counts =
      verdict.deliver ? rules.rewrite(entry, verdict) : std::vector<content::RewriteCount>{};
  if (report != nullptr) {
    report->add(title, verdict, counts);
  }
  options.keywords = std::move(verdict.tags);
  return verdict.deliver;
}

int run_render(const RenderArgs& args, const content::RuleSet& rules, RuleReport* report) {
  Document doc = load_document(args.source);
  const auto parsed = feeds::parse(std::move(doc.body), {doc.url, doc.content_type});
  if (const auto* error = std::get_if<feeds::ParseError>(&parsed)) {
    std::cerr << "feedpop: " << args.source << ": " << error->message << '\n';
    return exit_runtime;
  }
  const auto& feed = std::get<feeds::Feed>(parsed);
  const auto identities = feeds::entry_identities(feed);
  const mail::FeedInfo info{args.key, feed.title, doc.url, feed.link};
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::set<std::string> seen;
  std::string out;
  for (std::size_t i = 0; i < feed.entries.size(); ++i) {
    if (!seen.insert(identities[i]).second) {
      continue; // an identical repeat within the document (feeds/identity.hpp), as at ingest
    }
    feeds::Entry entry = feed.entries[i];
    mail::RenderOptions options;
    if (!apply_rules(rules, entry, options, report)) {
      continue;
    }
    options.hostname = args.hostname;
    options.identity = identities[i];
    options.first_seen = now;
    options.html_sanitized = true; // as at ingest: the entry comes from feeds::parse
    append_mbox_message(out, mail::render(entry, info, options),
                        entry.published ? *entry.published : entry.updated.value_or(now));
  }
  if (report != nullptr && args.summary) {
    out = report->text();
  } else if (report != nullptr) {
    std::cerr << report->text();
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? exit_ok : exit_runtime;
}

// --feed KEY: the feed's key, hostname, rules and (without a named document) URL.
int run_configured_render(RenderArgs args, const GlobalOptions& global) {
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
  if (args.source.empty()) {
    args.source = feed->second.url;
  }
  args.key = args.feed;
  args.hostname = config.hostname;
  const content::RuleSet rules = ingest::feed_rules(feed->second);
  RuleReport report(args.feed, rules);
  return run_render(args, rules, &report);
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
                  "A feed of the configuration: its rules apply, and what they did is reported");
  cmd->add_flag("--summary", args->summary, "With --feed: print only the report, no messages");
  // `render --config FILE --feed KEY` reads as naturally as `--config FILE render ...`.
  cmd->fallthrough();
  cmd->callback([args, &global, &status] {
    if (!args->feed.empty()) {
      status = run_configured_render(*args, global);
    } else if (args->source.empty() || args->summary) {
      std::cerr << "feedpop render: give a feed FILE|URL, or --feed KEY (--summary needs it)\n";
      status = exit_config;
    } else {
      status = run_render(*args, content::RuleSet(), nullptr);
    }
  });
}

} // namespace feedpop::gateway
