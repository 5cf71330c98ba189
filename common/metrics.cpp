#include "common/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace feedpop::metrics {

void Gauge::add(double v) {
  double cur = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      throw std::invalid_argument("histogram bounds must be finite and ascending");
    }
  }
}

void Histogram::observe(double v) {
  // Bucket i counts bounds_[i-1] < v <= bounds_[i] ("le" is inclusive).
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return out;
}

std::uint64_t Histogram::count() const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    n += buckets_[i].load(std::memory_order_relaxed);
  }
  return n;
}

template <class Metric>
template <class Range>
Metric& Family<Metric>::find_or_add(const Range& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("wrong number of label values");
  }
  std::lock_guard lock(mutex_);
  for (auto& c : children_) {
    if (std::equal(c.values.begin(), c.values.end(), values.begin(), values.end())) {
      return *c.metric;
    }
  }
  Child child{std::vector<std::string>(values.begin(), values.end()), nullptr};
  if constexpr (std::is_same_v<Metric, Histogram>) {
    child.metric = std::make_unique<Histogram>(bounds_);
  } else {
    child.metric = std::make_unique<Metric>();
  }
  children_.push_back(std::move(child));
  return *children_.back().metric;
}

template <class Metric>
Metric& Family<Metric>::with(std::initializer_list<std::string_view> values) {
  return find_or_add(values);
}

template <class Metric> Metric& Family<Metric>::with(const std::vector<std::string>& values) {
  return find_or_add(values);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

namespace {

// Metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]*.
bool valid_name(std::string_view n, bool label) {
  if (n.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return !(label && n.starts_with("__"));
}

} // namespace

struct Registry::Entry {
  std::string name; // with prefix
  std::string help;
  Type type;
  std::unique_ptr<Family<Counter>> counters;
  std::unique_ptr<Family<Gauge>> gauges;
  std::unique_ptr<Family<Histogram>> histograms;
};

Registry::Registry(std::string prefix) : prefix_(std::move(prefix)) {}
Registry::~Registry() = default;

Registry::Entry& Registry::add(const std::string& name, const std::string& help, Type type,
                               const std::vector<std::string>& labels) {
  const std::string full = prefix_ + name;
  if (!valid_name(full, false)) {
    throw std::invalid_argument("invalid metric name \"" + full + "\"");
  }
  for (const auto& l : labels) {
    if (!valid_name(l, true) || (type == Type::histogram && l == "le")) {
      throw std::invalid_argument("invalid label name \"" + l + "\" on " + full);
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (e->name == full) {
      throw std::invalid_argument("metric \"" + full + "\" registered twice");
    }
  }
  entries_.push_back(std::make_unique<Entry>(Entry{full, help, type, nullptr, nullptr, nullptr}));
  return *entries_.back();
}

Family<Counter>& Registry::counter_family(const std::string& name, const std::string& help,
                                          std::vector<std::string> labels) {
  auto& e = add(name, help, Type::counter, labels);
  e.counters = std::make_unique<Family<Counter>>(std::move(labels));
  return *e.counters;
}

Family<Gauge>& Registry::gauge_family(const std::string& name, const std::string& help,
                                      std::vector<std::string> labels) {
  auto& e = add(name, help, Type::gauge, labels);
  e.gauges = std::make_unique<Family<Gauge>>(std::move(labels));
  return *e.gauges;
}

Family<Histogram>& Registry::histogram_family(const std::string& name, const std::string& help,
                                              std::vector<std::string> labels,
                                              std::vector<double> bounds) {
  Histogram check(bounds); // validates the bounds before anything is registered
  auto& e = add(name, help, Type::histogram, labels);
  e.histograms = std::make_unique<Family<Histogram>>(std::move(labels), std::move(bounds));
  return *e.histograms;
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  return counter_family(name, help, {}).with({});
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) {
  return gauge_family(name, help, {}).with({});
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds) {
  return histogram_family(name, help, {}, std::move(bounds)).with({});
}

void Registry::on_collect(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  hooks_.push_back(std::move(hook));
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  // Integral values within 2^53 print exactly as integers (counters, byte totals).
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
    return std::string(buf, r.ptr);
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

// `name{a="x",b="y"}` (or just `name`); `extra` is one more label pair (histogram "le").
void write_series(std::string& out, const std::string& name, const std::vector<std::string>& keys,
                  const std::vector<std::string>& values, std::string_view extra_key = {},
                  std::string_view extra_value = {}) {
  out += name;
  if (keys.empty() && extra_key.empty()) {
    out += ' ';
    return;
  }
  out += '{';
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out += keys[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += "\",";
  }
  if (!extra_key.empty()) {
    out += extra_key;
    out += "=\"";
    out += extra_value;
    out += "\",";
  }
  out.back() = '}';
  out += ' ';
}

void write_histogram(std::string& out, const std::string& name,
                     const std::vector<std::string>& keys, const std::vector<std::string>& values,
                     const Histogram& h) {
  const auto counts = h.bucket_counts();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    const std::string le = i < h.bounds().size() ? format_value(h.bounds()[i]) : "+Inf";
    write_series(out, name + "_bucket", keys, values, "le", le);
    out += std::to_string(cumulative) + '\n';
  }
  // _count equals the +Inf bucket by construction (read from the same snapshot).
  write_series(out, name + "_sum", keys, values);
  out += format_value(h.sum()) + '\n';
  write_series(out, name + "_count", keys, values);
  out += std::to_string(cumulative) + '\n';
}

} // namespace

std::string Registry::exposition() const {
  std::vector<std::function<void()>> hooks;
  {
    std::lock_guard lock(mutex_);
    hooks = hooks_;
  }
  for (const auto& h : hooks) {
    h();
  }
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    static constexpr std::string_view type_names[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + e->name + ' ' + escape_help(e->help) + '\n';
    out += "# TYPE " + e->name + ' ';
    out += type_names[static_cast<int>(e->type)];
    out += '\n';
    if (e->counters) {
      e->counters->for_each([&](const auto& values, const Counter& c) {
        write_series(out, e->name, e->counters->label_names(), values);
        out += std::to_string(c.value()) + '\n';
      });
    } else if (e->gauges) {
      e->gauges->for_each([&](const auto& values, const Gauge& g) {
        write_series(out, e->name, e->gauges->label_names(), values);
        out += format_value(g.value()) + '\n';
      });
    } else {
      e->histograms->for_each([&](const auto& values, const Histogram& h) {
        write_histogram(out, e->name, e->histograms->label_names(), values, h);
      });
    }
  }
  return out;
}

Registry& registry() {
  static Registry r;
  return r;
}

std::string_view to_string(SessionOutcome o) {
  static constexpr std::string_view names[] = {"quit",        "dropped", "timeout",
                                               "auth_failed", "refused", "error"};
  return names[static_cast<std::size_t>(o)];
}

namespace {

// Taken when the program's static objects are initialised, i.e. at process start.
const double process_start_seconds =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

constexpr std::array<std::string_view, 6> status_classes = {"1xx", "2xx", "3xx",
                                                            "4xx", "5xx", "error"};

std::size_t status_class_index(int status) {
  return status >= 100 && status <= 599 ? static_cast<std::size_t>(status / 100 - 1) : 5;
}

SessionMetrics session_metrics(Registry& r, const std::string& proto, const std::string& label) {
  auto& totals = r.counter_family(proto + "_sessions_total", label + " sessions ended, by outcome.",
                                  {"outcome"});
  SessionMetrics m{r.gauge(proto + "_sessions_active", label + " sessions open now."), {}};
  for (std::size_t i = 0; i < session_outcome_count; ++i) {
    m.totals[i] = &totals.with({to_string(static_cast<SessionOutcome>(i))});
  }
  return m;
}

Handles make_handles(Registry& r) {
  auto& feeds = r.gauge_family("feeds", "Configured feeds by state.", {"state"});
  auto& fetches = r.counter_family("fetch_requests_total",
                                   "Feed fetch requests by HTTP status class.", {"class"});
  auto& auth =
      r.counter_family("auth_failures_total", "Failed authentications by protocol and mechanism.",
                       {"protocol", "mechanism"});
  auto& smtp_messages = r.counter_family(
      "smtp_messages_total", "Messages submitted over SMTP, accepted or rejected after DATA.",
      {"result"});
  auto& http = r.counter_family("http_requests_total",
                                "Requests answered by the web server, by status class.", {"code"});
  Handles h{
      feeds.with({"ok"}),
      feeds.with({"failing"}),
      feeds.with({"gone"}),
      feeds.with({"paused"}),
      {},
      r.histogram("fetch_duration_seconds", "Duration of feed fetch requests.",
                  {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}),
      r.counter("fetched_bytes_total", "Response body bytes received from feed servers."),
      r.counter("entries_ingested_total", "Feed entries new to the store."),
      r.counter("messages_stored_total", "Messages rendered and stored."),
      r.counter("messages_stored_bytes_total", "Bytes of the messages stored."),
      session_metrics(r, "pop3", "POP3"),
      session_metrics(r, "smtp", "SMTP"),
      auth,
      smtp_messages.with({"accepted"}),
      smtp_messages.with({"rejected"}),
      r.counter("pop3_served_bytes_total", "Message bytes sent to POP3 clients."),
      r.counter("http_served_bytes_total", "Response body bytes sent by the web server."),
      r.counter("message_cache_hits_total", "Message reads answered from the cache."),
      r.counter("message_cache_misses_total", "Message reads that went to the store."),
      r.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch."),
      http,
  };
  for (std::size_t i = 0; i < status_classes.size(); ++i) {
    h.fetch_by_class[i] = &fetches.with({status_classes[i]});
    http.with({status_classes[i]});
  }
  h.process_start_time.set(process_start_seconds);
#ifdef FEEDPOP_VERSION
  const std::string_view version = FEEDPOP_VERSION;
#else
  const std::string_view version = "unknown";
#endif
  r.gauge_family("build_info", "Always 1; the labels name the build.", {"version"})
      .with({version})
      .set(1);
  return h;
}

} // namespace

Counter& Handles::fetch_requests(int http_status) const {
  return *fetch_by_class[status_class_index(http_status)];
}

const Handles& handles() {
  static const Handles h = make_handles(registry());
  return h;
}

} // namespace feedpop::metrics
