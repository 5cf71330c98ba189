#include "common/metrics.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace feedpop::metrics {
namespace {

TEST(Metrics, CounterWithoutLabelsPrintsHelpTypeAndValue) {
  Registry r;
  auto& c = r.counter("things_total", "Things counted.");
  c.inc();
  c.inc(41);
  EXPECT_EQ(r.exposition(), "# HELP feedpop_things_total Things counted.\n"
                            "# TYPE feedpop_things_total counter\n"
                            "feedpop_things_total 42\n");
}

TEST(Metrics, LabelledChildrenAreCreatedOnceAndPrintedInCreationOrder) {
  Registry r("x_");
  auto& f = r.counter_family("req_total", "Requests.", {"code", "method"});
  auto& a = f.with({"200", "GET"});
  EXPECT_EQ(&a, &f.with({"200", "GET"}));
  a.inc(2);
  f.with({"404", "POST"}).inc();
  EXPECT_EQ(r.exposition(), "# HELP x_req_total Requests.\n"
                            "# TYPE x_req_total counter\n"
                            "x_req_total{code=\"200\",method=\"GET\"} 2\n"
                            "x_req_total{code=\"404\",method=\"POST\"} 1\n");
  EXPECT_THROW(f.with({"200"}), std::invalid_argument);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.gauge_family("g", "Back\\slash and\nnewline.", {"v"}).with({"a\"b\\c\nd"}).set(1.5);
  EXPECT_EQ(r.exposition(), "# HELP feedpop_g Back\\\\slash and\\nnewline.\n"
                            "# TYPE feedpop_g gauge\n"
                            "feedpop_g{v=\"a\\\"b\\\\c\\nd\"} 1.5\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry r;
  auto& h = r.histogram("d_seconds", "Durations.", {0.1, 1});
  h.observe(0.05);
  h.observe(0.1); // "le" is inclusive
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(r.exposition(), "# HELP feedpop_d_seconds Durations.\n"
                            "# TYPE feedpop_d_seconds histogram\n"
                            "feedpop_d_seconds_bucket{le=\"0.1\"} 2\n"
                            "feedpop_d_seconds_bucket{le=\"1\"} 3\n"
                            "feedpop_d_seconds_bucket{le=\"+Inf\"} 4\n"
                            "feedpop_d_seconds_sum 7.65\n"
                            "feedpop_d_seconds_count 4\n");
}

TEST(Metrics, LabelledHistogramPutsLeLast) {
  Registry r;
  r.histogram_family("h", "H.", {"k"}, {2}).with({"v"}).observe(1);
  const auto text = r.exposition();
  EXPECT_NE(text.find("feedpop_h_bucket{k=\"v\",le=\"2\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("feedpop_h_count{k=\"v\"} 1\n"), std::string::npos) << text;
}

TEST(Metrics, BadNamesDuplicatesAndBoundsAreRejected) {
  Registry r;
  r.counter("a_total", "A.");
  EXPECT_THROW(r.counter("a_total", "again"), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter_family("c_total", "x", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.histogram_family("h", "x", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h2", "x", {2, 1}), std::invalid_argument);
}

TEST(Metrics, ValuesFormatAsPrometheusNumbers) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(-2), "-2");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& c = r.counter("n_total", "N.");
  auto& g = r.gauge("g", "G.");
  auto& h = r.histogram("h", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        g.inc();
        h.observe(0.5);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(g.value(), 40000.0);
  EXPECT_EQ(h.count(), 40000u);
  EXPECT_EQ(h.sum(), 20000.0);
}

TEST(Metrics, CollectHooksRunBeforeEachExposition) {
  Registry r;
  auto& g = r.gauge("live", "Live.");
  int calls = 0;
  r.on_collect([&] { g.set(++calls); });
  EXPECT_NE(r.exposition().find("feedpop_live 1\n"), std::string::npos);
  EXPECT_NE(r.exposition().find("feedpop_live 2\n"), std::string::npos);
}

TEST(Metrics, FeedpopHandlesCoverTheIssuesMetricSet) {
  const auto& m = handles();
  EXPECT_EQ(&m, &handles());
  m.fetch_requests(304).inc();
  m.fetch_requests(0).inc();
  m.pop3.ended(SessionOutcome::quit).inc();
  m.auth_failure("smtp", "PLAIN").inc();
  m.smtp_messages_rejected.inc();
  const auto text = registry().exposition();
  for (const char* needle : {"feedpop_feeds{state=\"ok\"} 0",
                             "feedpop_feeds{state=\"paused\"} 0",
                             "feedpop_fetch_requests_total{class=\"3xx\"} 1",
                             "feedpop_fetch_requests_total{class=\"error\"} 1",
                             "feedpop_fetch_duration_seconds_bucket{le=\"+Inf\"} 0",
                             "feedpop_fetched_bytes_total 0",
                             "feedpop_entries_ingested_total 0",
                             "feedpop_messages_stored_total 0",
                             "feedpop_messages_stored_bytes_total 0",
                             "feedpop_pop3_sessions_active 0",
                             "feedpop_pop3_sessions_total{outcome=\"quit\"} 1",
                             "feedpop_smtp_sessions_active 0",
                             "feedpop_auth_failures_total{protocol=\"smtp\",mechanism=\"PLAIN\"} 1",
                             "feedpop_smtp_messages_total{result=\"accepted\"} 0",
                             "feedpop_smtp_messages_total{result=\"rejected\"} 1",
                             "feedpop_pop3_served_bytes_total 0",
                             "feedpop_message_cache_hits_total 0",
                             "feedpop_message_cache_misses_total 0",
                             "# TYPE feedpop_process_start_time_seconds gauge",
                             "feedpop_build_info{version=\""}) {
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  }
}

// `promtool check metrics` (Debian package prometheus) lints the exposition: names, units,
// _total suffixes, HELP text, histogram series.
TEST(Metrics, ExpositionPassesPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  }
  handles().fetch_duration.observe(0.3);
  handles().auth_failure("pop3", "SCRAM-SHA-256").inc();
  const auto path = std::filesystem::temp_directory_path() / "feedpop_metrics_test.prom";
  std::ofstream(path) << registry().exposition();
  const std::string cmd = "promtool check metrics < " + path.string() + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) {
    output += buf;
  }
  const int status = pclose(p);
  std::filesystem::remove(path);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "") << output;
}

} // namespace
} // namespace feedpop::metrics
