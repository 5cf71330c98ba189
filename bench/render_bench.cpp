// Rendering throughput on the shared corpus: every entry of every feed in
// ../shared/corpus/feeds/ rendered to its RFC 5322 bytes (parsing is done once, outside
// the timed loop). Target: ≥ 20,000 entries/s (issue 6). Results in bench/RESULTS.md.
//
//   build/release/bench/render_bench [--benchmark_min_time=2]

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "feeds/identity.hpp"
#include "feeds/parse.hpp"
#include "mail/render.hpp"

namespace {

namespace fs = std::filesystem;
using namespace feedpop;

struct Job {
  const feeds::Entry* entry;
  const mail::FeedInfo* feed;
  mail::RenderOptions options;
};

struct Corpus {
  std::vector<feeds::Feed> feeds;
  std::vector<mail::FeedInfo> infos;
  std::vector<Job> jobs;
  std::size_t html_bytes = 0;
};

const Corpus& corpus() {
  static const Corpus loaded = [] {
    Corpus c;
    const fs::path root = fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
    if (!fs::is_directory(root)) {
      return c;
    }
    std::vector<fs::path> files;
    for (const auto& item : fs::recursive_directory_iterator(root)) {
      if (item.is_regular_file()) {
        files.push_back(item.path());
      }
    }
    std::sort(files.begin(), files.end());
    c.feeds.reserve(files.size());
    c.infos.reserve(files.size());
    std::vector<std::vector<std::string>> identities;
    for (const auto& path : files) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream body;
      body << in.rdbuf();
      auto parsed = feeds::parse(body.str(), {"file://" + path.string(), ""});
      if (auto* feed = std::get_if<feeds::Feed>(&parsed)) {
        identities.push_back(feeds::entry_identities(*feed));
        c.infos.push_back(
            {path.stem().string(), feed->title, "file://" + path.string(), feed->link});
        c.feeds.push_back(std::move(*feed));
      }
    }
    for (std::size_t f = 0; f < c.feeds.size(); ++f) {
      for (std::size_t i = 0; i < c.feeds[f].entries.size(); ++i) {
        const auto& entry = c.feeds[f].entries[i];
        mail::RenderOptions options;
        options.identity = identities[f][i];
        c.jobs.push_back({&entry, &c.infos[f], options});
        c.html_bytes += entry.content_html.value_or(entry.summary_html.value_or("")).size();
      }
    }
    return c;
  }();
  return loaded;
}

void render_corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.jobs.empty()) {
    state.SkipWithError("no corpus at ../shared/corpus/feeds");
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const Job& job : c.jobs) {
      const std::string message = mail::render(*job.entry, *job.feed, job.options);
      bytes += message.size();
      benchmark::DoNotOptimize(message.data());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.jobs.size()));
  state.counters["entries"] = static_cast<double>(c.jobs.size());
  state.counters["MiB_out/s"] = benchmark::Counter(static_cast<double>(bytes) / (1024.0 * 1024.0),
                                                   benchmark::Counter::kIsRate);
}

BENCHMARK(render_corpus)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
