#pragma once
// A small metrics registry and its Prometheus text exposition (format 0.0.4).
//
//   auto& m = metrics::handles();            // feedpop's metric set, registered once
//   m.entries_ingested.inc(3);               // hot path: one relaxed atomic add
//   m.fetch_requests(304).inc();             // by status class ("3xx")
//   std::string text = metrics::registry().exposition();
//
// Threading: every member is thread-safe. Counters, gauges and histograms update with
// atomics only; a labelled child is created (allocated) once, on its first with(), and
// lives as long as its registry, so a reference to it may be kept and used lock-free.
// Registering a malformed or duplicate name throws std::invalid_argument.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::metrics {

class Counter {
public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v);
  void inc() { add(1); }
  void dec() { add(-1); }
  double value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0};
};

// Fixed upper bounds (ascending, finite); an implicit +Inf bucket follows the last.
class Histogram {
public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (not cumulative) counts, the +Inf bucket last.
  std::vector<std::uint64_t> bucket_counts() const;
  std::uint64_t count() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

enum class Type { counter, gauge, histogram };

// One metric name with its label names; children per label values.
template <class Metric> class Family {
public:
  Family(std::vector<std::string> label_names, std::vector<double> bounds = {})
      : label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}
  // The child for these label values (as many as label names; else std::invalid_argument).
  // Allocates only the first time a combination is seen.
  Metric& with(std::initializer_list<std::string_view> values);
  Metric& with(const std::vector<std::string>& values);
  const std::vector<std::string>& label_names() const { return label_names_; }

  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<Metric> metric;
  };
  // Calls f(values, metric) for each child in creation order, under the family's lock.
  template <class F> void for_each(F&& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& c : children_) {
      f(c.values, *c.metric);
    }
  }

private:
  template <class Range> Metric& find_or_add(const Range& values);
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<Child> children_;
};

class Registry {
public:
  // Every exposed name is `prefix` + the registered name.
  explicit Registry(std::string prefix = "feedpop_");
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds);
  Family<Counter>& counter_family(const std::string& name, const std::string& help,
                                  std::vector<std::string> labels);
  Family<Gauge>& gauge_family(const std::string& name, const std::string& help,
                              std::vector<std::string> labels);
  Family<Histogram>& histogram_family(const std::string& name, const std::string& help,
                                      std::vector<std::string> labels, std::vector<double> bounds);

  // Runs before each exposition (e.g. to refresh gauges read from storage). Hooks must not
  // call exposition() themselves.
  void on_collect(std::function<void()> hook);

  // The text exposition format 0.0.4: "# HELP", "# TYPE", then one line per series;
  // families in registration order.
  std::string exposition() const;

private:
  struct Entry;
  Entry& add(const std::string& name, const std::string& help, Type type,
             const std::vector<std::string>& labels);
  std::string prefix_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::function<void()>> hooks_;
};

// The text format's escaping: label values escape \ " and newline; HELP escapes \ and
// newline. Numbers: integers exactly, others shortest round-trip, +Inf/-Inf/NaN.
std::string escape_label_value(std::string_view v);
std::string escape_help(std::string_view v);
std::string format_value(double v);

// The process-wide registry (created on first use).
Registry& registry();

enum class SessionOutcome { quit, dropped, timeout, auth_failed, refused, error };
inline constexpr std::size_t session_outcome_count = 6;
std::string_view to_string(SessionOutcome o);

struct SessionMetrics {
  Gauge& active;
  std::array<Counter*, session_outcome_count> totals;
  Counter& ended(SessionOutcome o) const { return *totals[static_cast<std::size_t>(o)]; }
};

// feedpop's metric set (issue 20), registered in registry() on first call. Gauges with
// a fixed set of label values have every series pre-created, so they exist at 0.
struct Handles {
  Gauge& feeds_ok;
  Gauge& feeds_failing;
  Gauge& feeds_gone;
  Gauge& feeds_paused;
  // HTTP status 100-599 → "1xx".."5xx"; anything else (no response) → "error".
  std::array<Counter*, 6> fetch_by_class;
  Counter& fetch_requests(int http_status) const;
  Histogram& fetch_duration;
  Counter& fetched_bytes;
  Counter& entries_ingested;
  Counter& messages_stored;
  Counter& messages_stored_bytes;
  SessionMetrics pop3;
  SessionMetrics smtp;
  // Labels "protocol" ("pop3", "smtp", "web") and "mechanism" ("USER", "APOP", a SASL
  // mechanism's name, "form" for the web sign-in form).
  Family<Counter>& auth_failures;
  Counter& auth_failure(std::string_view protocol, std::string_view mechanism) const {
    return auth_failures.with({protocol, mechanism});
  }
  Counter& smtp_messages_accepted; // control mail answered 2xx after DATA
  Counter& smtp_messages_rejected; // refused after DATA (size, bare LF, handler's 4xx/5xx)
  Counter& pop3_served_bytes;
  Counter& http_served_bytes;
  Counter& message_cache_hits;
  Counter& message_cache_misses;
  Gauge& process_start_time;
  Family<Counter>& http_requests; // label "code" (status class, as above)
};
const Handles& handles();

} // namespace feedpop::metrics
