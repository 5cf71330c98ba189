// `feedpop fetch --once`: poll every feed once, store, exit (DESIGN.md). On a terminal:
// a progress line and a summary table; otherwise one log line per feed. Exit status 0 when
// every feed succeeded (200 or 304), 2 (exit_partial) when some failed.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gateway/commands.hpp"
#include "gateway/config.hpp"
#include "gateway/ingest_options.hpp"
#include "gateway/store_open.hpp"
#include "gateway/user_feeds.hpp"
#include "ingest/fetcher.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

namespace {

void print_row(const ingest::FeedPollResult& r) {
  std::cout << fmt::format("{:<24} {:<13} {:>4} {:>5}  {}\n", r.key, r.status,
                           r.http_code == 0 ? std::string("-") : std::to_string(r.http_code),
                           r.new_entries, r.error);
}

void print_summary(const ingest::PollReport& report) {
  std::vector<ingest::FeedPollResult> rows = report.feeds;
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.key < b.key; });
  // Every feed when few; otherwise only those worth a look (failed, or with new entries).
  const bool all = rows.size() <= 40;
  std::cout << fmt::format("{:<24} {:<13} {:>4} {:>5}  {}\n", "FEED", "STATUS", "HTTP", "NEW",
                           "ERROR");
  std::size_t ok = 0, not_modified = 0, fresh = 0, hidden = 0;
  for (const auto& r : rows) {
    ok += r.status == "ok" ? 1 : 0;
    not_modified += r.status == "not_modified" ? 1 : 0;
    fresh += r.new_entries;
    if (all || !r.ok || r.new_entries > 0) {
      print_row(r);
    } else {
      ++hidden;
    }
  }
  if (hidden > 0) {
    std::cout << fmt::format("({} more feeds ok without new entries)\n", hidden);
  }
  std::cout << fmt::format("{} feeds: {} fetched, {} not modified, {} failed; {} new entries\n",
                           rows.size(), ok, not_modified, report.failed(), fresh);
}

int run_fetch_once(const GlobalOptions& global) {
  auto config = std::make_shared<const Config>(load_config(global.config));
  std::filesystem::create_directories(config->data_dir);
  auto store = open_store(*config, storage::Role::writer);
  auto options = ingest_options(*config, store->user_feeds("")); // users' own feeds too
  ingest::Fetcher fetcher(std::move(store), std::move(options));
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::size_t failures = 0;
  auto progress = [&](const ingest::FeedPollResult& r, std::size_t done, std::size_t total) {
    failures += r.ok ? 0 : 1;
    if (tty) {
      std::cerr << fmt::format("\r{}/{} feeds, {} failed", done, total, failures) << std::flush;
      return;
    }
    if (r.ok) {
      spdlog::info("feed {}: {} http={} new={}", r.key, r.status, r.http_code, r.new_entries);
    } else {
      spdlog::warn("feed {}: {} http={} error={}", r.key, r.status, r.http_code, r.error);
    }
  };
  const ingest::PollReport report = fetcher.poll_once(progress);
  if (tty) {
    std::cerr << '\n';
    print_summary(report);
  }
  return report.failed() == 0 ? exit_ok : exit_partial;
}

} // namespace

void add_fetch_command(CLI::App& app, const GlobalOptions& global, int& status) {
  auto* cmd = app.add_subcommand("fetch", "Poll every feed once, store new entries, exit");
  auto once = std::make_shared<bool>(false);
  cmd->add_flag("--once", *once, "Poll each feed once and exit (the only mode for now)")
      ->required();
  cmd->footer("Exit status: 0 every feed fetched or not modified, 2 some feeds failed.");
  cmd->callback([&global, &status, once] {
    try {
      status = run_fetch_once(global);
    } catch (const ConfigError& e) {
      std::cerr << e.what() << '\n';
      status = exit_config;
    } catch (const std::exception& e) {
      std::cerr << "feedpop: fetch: " << e.what() << '\n';
      status = exit_runtime;
    }
  });
}

} // namespace feedpop::gateway
