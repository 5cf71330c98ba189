// Digest rendering (issue 18): 200 entries of the shared corpus (the first 200 with a
// body, across feeds, in file order) as one digest, from their stored digest items.
// Target: < 50 ms for 200 entries, and the message under the part size
// (mail::default_digest_part_size). Results in bench/RESULTS.md.
//
//   build/release/bench/digest_bench [--benchmark_min_time=2]
//
// Without ../shared the entries are synthetic (2 KB of HTML each) and the run says so.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "feeds/parse.hpp"
#include "mail/digest.hpp"

namespace {

namespace fs = std::filesystem;
using namespace feedpop;

constexpr std::size_t wanted = 200;

std::vector<mail::DigestItem> corpus_items() {
  std::vector<mail::DigestItem> items;
  const fs::path root = fs::path(FEEDPOP_SHARED_DIR) / "corpus" / "feeds";
  if (!fs::is_directory(root)) {
    return items;
  }
  std::vector<fs::path> files;
  for (const auto& f : fs::recursive_directory_iterator(root)) {
    if (f.is_regular_file()) {
      files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    auto parsed = feeds::parse(body.str(), {"file://" + path.string(), ""});
    const auto* feed = std::get_if<feeds::Feed>(&parsed);
    if (feed == nullptr) {
      continue;
    }
    const mail::FeedInfo info{path.stem().string(), feed->title, path.string(), feed->link};
    for (const auto& e : feed->entries) {
      if (items.size() == wanted) {
        return items;
      }
      if (e.content_html || e.summary_html) {
        items.push_back(mail::digest_item(e, info, now, {}));
      }
    }
  }
  return items;
}

std::vector<mail::DigestItem> synthetic_items() {
  std::vector<mail::DigestItem> items;
  for (std::size_t i = 0; i < wanted; ++i) {
    feeds::Entry e;
    e.title = "Synthetic entry " + std::to_string(i);
    e.link = "https://example.org/" + std::to_string(i);
    e.content_html = "<p>" + std::string(2000, 'x') + " <a href=\"https://example.org/\">a</a></p>";
    const mail::FeedInfo info{"synthetic", std::string("Synthetic"), "https://example.org/", {}};
    items.push_back(mail::digest_item(e, info, {}, {}));
  }
  return items;
}

// The stored form, as build_digest reads it from the store.
const std::vector<std::string>& stored() {
  static const std::vector<std::string> out = [] {
    auto items = corpus_items();
    if (items.size() < wanted) {
      std::cerr << "../shared corpus not found: synthetic entries\n";
      items = synthetic_items();
    }
    std::vector<std::string> encoded;
    for (const auto& i : items) {
      encoded.push_back(mail::encode_digest_item(i));
    }
    return encoded;
  }();
  return out;
}

mail::DigestOptions options(bool grouped) {
  mail::DigestOptions o;
  o.key = ".digest/user/alice";
  o.name = "alice";
  o.period = "2026-12-07T06:00:00Z";
  o.date = std::chrono::sys_days{std::chrono::year{2026} / 12 / 7} + std::chrono::hours{6};
  o.date_label = "2026-12-07";
  o.group_by_feed = grouped;
  return o;
}

// Decode the 200 stored items and render the digest: what build_digest does between the
// store's read and its write.
void render_200(benchmark::State& state, bool grouped) {
  const auto& items = stored();
  std::size_t bytes = 0;
  std::size_t parts = 0;
  for (auto _ : state) {
    std::vector<mail::DigestItem> decoded;
    decoded.reserve(items.size());
    for (const auto& s : items) {
      decoded.push_back(*mail::decode_digest_item(s));
    }
    const auto messages = mail::render_digest(decoded, options(grouped));
    parts = messages.size();
    bytes = 0;
    for (const auto& m : messages) {
      bytes += m.bytes.size();
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["entries"] = static_cast<double>(items.size());
  state.counters["messages"] = static_cast<double>(parts);
  state.counters["bytes"] = static_cast<double>(bytes);
}

void BM_Digest200(benchmark::State& state) {
  render_200(state, false);
}
void BM_Digest200GroupedByFeed(benchmark::State& state) {
  render_200(state, true);
}

} // namespace

BENCHMARK(BM_Digest200)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Digest200GroupedByFeed)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
