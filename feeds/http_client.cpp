#include "feeds/http_client.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <curl/curl.h>
#include <fmt/format.h>

namespace feedpop::feeds {

namespace {

constexpr const char* project_url = "https://github.com/feedpop/feedpop";

// Feeds first, anything else last: some servers vary on Accept (RFC 9110 §12.5.1).
constexpr const char* accept_header =
    "Accept: application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

bool is_file_url(const std::string& url) {
  return url.rfind("file://", 0) == 0;
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

// "scheme://host:port" — the unit of the per-host limit.
std::string host_key(const std::string& url) {
  CURLU* u = curl_url();
  std::string key = "?";
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    key = fmt::format("{}://{}:{}", scheme ? scheme : "", host ? host : "", port ? port : "");
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return key;
}

std::optional<std::string> header_value(CURL* easy, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr &&
      h->value != nullptr && *h->value != '\0') {
    return std::string(h->value);
  }
  return std::nullopt;
}

std::string http_date(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

} // namespace

std::string default_user_agent() {
  return fmt::format("feedpop/{} (+{})", FEEDPOP_VERSION, project_url);
}

std::optional<std::string> ResponseInfo::permanent_target() const {
  if (redirects.empty() ||
      !std::all_of(redirects.begin(), redirects.end(), [](auto& r) { return r.permanent(); })) {
    return std::nullopt;
  }
  return redirects.back().to;
}

const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
  case FailureKind::transport:
    return "transport";
  case FailureKind::timeout:
    return "timeout";
  case FailureKind::http_status:
    return "http_status";
  case FailureKind::too_large:
    return "too_large";
  case FailureKind::redirect_loop:
    return "redirect_loop";
  case FailureKind::too_many_redirects:
    return "too_many_redirects";
  case FailureKind::bad_redirect:
    return "bad_redirect";
  case FailureKind::cancelled:
    return "cancelled";
  }
  return "unknown";
}

struct Transfer {
  HttpRequest request;
  std::string current_url;
  std::string host;
  std::vector<std::string> visited;
  ResponseInfo info;
  std::string body;
  std::uint64_t max_size = 0;
  bool too_large = false;
  bool started = false;
  std::chrono::steady_clock::time_point deadline;
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() { curl_slist_free_all(headers); }
};

namespace {

// Body sink; enforcing max_size here counts decompressed bytes (libcurl decodes
// Content-Encoding before calling us), so a gzip bomb stops at the limit.
std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  if (t->body.size() + len > t->max_size) {
    t->too_large = true;
    return 0; // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, len);
  return len;
}

} // namespace

struct HttpClient::Impl {
  HttpOptions options;
  CURLM* multi = nullptr;
  std::deque<std::unique_ptr<Transfer>> queue;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
  std::map<std::string, unsigned> per_host;
  std::vector<CURL*> idle_handles;
  std::vector<Completion> done;

  explicit Impl(HttpOptions o) : options(std::move(o)) {
    options.concurrency = std::max(1U, options.concurrency);
    options.per_host = std::max(1U, options.per_host);
    global_init();
    multi = curl_multi_init();
    if (multi == nullptr) {
      throw std::runtime_error("curl_multi_init failed");
    }
    // HTTP/2 multiplexing where the server offers it; several feeds of one host share
    // one connection then.
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.per_host));
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(std::max(16U, options.concurrency * 2)));
  }

  ~Impl() {
    for (auto& [easy, t] : active) {
      curl_multi_remove_handle(multi, easy);
      curl_easy_cleanup(easy);
    }
    for (CURL* easy : idle_handles) {
      curl_easy_cleanup(easy);
    }
    curl_multi_cleanup(multi);
  }

  CURL* take_handle() {
    if (!idle_handles.empty()) {
      CURL* easy = idle_handles.back();
      idle_handles.pop_back();
      curl_easy_reset(easy);
      return easy;
    }
    CURL* easy = curl_easy_init();
    if (easy == nullptr) {
      throw std::runtime_error("curl_easy_init failed");
    }
    return easy;
  }

  void configure(Transfer& t) {
    CURL* e = t.easy;
    const auto now = std::chrono::steady_clock::now();
    if (!t.started) {
      t.started = true;
      t.deadline = now + options.timeout;
      t.visited.push_back(t.request.url);
    }
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.deadline - now).count();
    curl_easy_setopt(e, CURLOPT_URL, t.current_url.c_str());
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
    // Redirects are followed by hand so the chain is recorded and loops are named.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); // all encodings libcurl decodes
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 128L * 1024);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, remaining)));
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_size));
    curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
    const std::string& agent = t.request.user_agent ? *t.request.user_agent : options.user_agent;
    curl_easy_setopt(e, CURLOPT_USERAGENT, agent.c_str());
    if (options.proxy) {
      curl_easy_setopt(e, CURLOPT_PROXY, options.proxy->c_str());
    }
    if (options.ca_file) {
      curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file->c_str());
    }
    curl_slist_free_all(t.headers);
    t.headers = curl_slist_append(nullptr, accept_header);
    if (is_file_url(t.current_url)) {
      // file:// has no validators; libcurl compares the file's mtime for us.
      if (t.request.last_modified) {
        const std::time_t since = curl_getdate(t.request.last_modified->c_str(), nullptr);
        if (since > 0) {
          curl_easy_setopt(e, CURLOPT_TIMECONDITION, static_cast<long>(CURL_TIMECOND_IFMODSINCE));
          curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, static_cast<curl_off_t>(since));
        }
      }
    } else {
      // RFC 9110 §13.1.3: send Last-Modified back exactly as the server wrote it.
      if (t.request.etag) {
        t.headers = curl_slist_append(t.headers, ("If-None-Match: " + *t.request.etag).c_str());
      }
      if (t.request.last_modified) {
        t.headers = curl_slist_append(t.headers,
                                      ("If-Modified-Since: " + *t.request.last_modified).c_str());
      }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
  }

  void start_ready() {
    for (auto it = queue.begin(); it != queue.end() && active.size() < options.concurrency;) {
      Transfer& t = **it;
      if (t.host.empty()) {
        t.host = is_file_url(t.current_url) ? std::string() : host_key(t.current_url);
      }
      unsigned& used = per_host[t.host];
      if (!t.host.empty() && used >= options.per_host) {
        ++it;
        continue;
      }
      ++used;
      t.easy = take_handle();
      t.max_size = options.max_size;
      configure(t);
      CURL* easy = t.easy;
      active.emplace(easy, std::move(*it));
      it = queue.erase(it);
      curl_multi_add_handle(multi, easy);
    }
  }

  // Takes a finished transfer out of the multi; the handle goes back to the pool.
  std::unique_ptr<Transfer> detach(CURL* easy) {
    auto node = active.extract(easy);
    std::unique_ptr<Transfer> t = std::move(node.mapped());
    curl_multi_remove_handle(multi, easy);
    auto host = per_host.find(t->host);
    if (host != per_host.end() && host->second > 0) {
      --host->second;
    }
    idle_handles.push_back(easy);
    t->easy = nullptr;
    return t;
  }

  void fail(std::unique_ptr<Transfer> t, FailureKind kind, std::string error) {
    done.push_back({t->request.tag, FetchFailed{std::move(t->info), kind, std::move(error)}});
  }

  void finish(CURL* easy, CURLcode code) {
    std::unique_ptr<Transfer> t = detach(easy);
    ResponseInfo& info = t->info;
    info.url = t->current_url;
    long http_code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &http_code);
    info.http_code = static_cast<int>(http_code);
    if (code != CURLE_OK) {
      if (t->too_large || code == CURLE_FILESIZE_EXCEEDED) {
        return fail(std::move(t), FailureKind::too_large,
                    fmt::format("body larger than {} bytes", options.max_size));
      }
      const FailureKind kind =
          code == CURLE_OPERATION_TIMEDOUT ? FailureKind::timeout : FailureKind::transport;
      std::string text = t->error[0] != '\0' ? t->error : curl_easy_strerror(code);
      return fail(std::move(t), kind, std::move(text));
    }
    if (is_file_url(t->current_url)) {
      return finish_file(easy, std::move(t));
    }
    info.etag = header_value(easy, "ETag");
    info.last_modified = header_value(easy, "Last-Modified");
    info.cache_control = header_value(easy, "Cache-Control");
    curl_off_t retry_after = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
        retry_after > 0) {
      info.retry_after = std::chrono::seconds(retry_after);
    }
    char* content_type = nullptr;
    curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &content_type);
    info.content_type = content_type != nullptr ? content_type : "";
    if (http_code >= 300 && http_code < 400 && http_code != 304) {
      return redirect(easy, std::move(t));
    }
    if (http_code == 304) {
      done.push_back({t->request.tag, NotModified{std::move(info)}});
      return;
    }
    if (http_code >= 200 && http_code < 300) {
      done.push_back({t->request.tag, Fetched{std::move(info), std::move(t->body)}});
      return;
    }
    fail(std::move(t), FailureKind::http_status, fmt::format("HTTP {}", http_code));
  }

  void finish_file(CURL* easy, std::unique_ptr<Transfer> t) {
    long unmet = 0;
    curl_easy_getinfo(easy, CURLINFO_CONDITION_UNMET, &unmet);
    curl_off_t mtime = -1;
    curl_easy_getinfo(easy, CURLINFO_FILETIME_T, &mtime);
    if (mtime >= 0) {
      t->info.last_modified = http_date(static_cast<std::time_t>(mtime));
    }
    if (unmet != 0) {
      done.push_back({t->request.tag, NotModified{std::move(t->info)}});
      return;
    }
    done.push_back({t->request.tag, Fetched{std::move(t->info), std::move(t->body)}});
  }

  void redirect(CURL* easy, std::unique_ptr<Transfer> t) {
    const int code = t->info.http_code;
    char* location = nullptr;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, &location);
    if (location == nullptr ||
        (code != 301 && code != 302 && code != 303 && code != 307 && code != 308)) {
      return fail(std::move(t), FailureKind::http_status, fmt::format("HTTP {}", code));
    }
    const std::string to = location;
    t->info.redirects.push_back({code, t->current_url, to});
    if (!is_http_url(to)) {
      return fail(std::move(t), FailureKind::bad_redirect, "redirect to a non-HTTP URL: " + to);
    }
    if (std::find(t->visited.begin(), t->visited.end(), to) != t->visited.end()) {
      return fail(std::move(t), FailureKind::redirect_loop, "redirect loop at " + to);
    }
    if (static_cast<int>(t->info.redirects.size()) > options.max_redirects) {
      return fail(std::move(t), FailureKind::too_many_redirects,
                  fmt::format("more than {} redirects", options.max_redirects));
    }
    if (std::chrono::steady_clock::now() >= t->deadline) {
      return fail(std::move(t), FailureKind::timeout, "timed out following redirects");
    }
    t->visited.push_back(to);
    t->current_url = to;
    t->host.clear();
    t->body.clear();
    t->too_large = false;
    queue.push_front(std::move(t));
  }

  void harvest() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) {
        finish(msg->easy_handle, msg->data.result);
      }
    }
  }
};

HttpClient::HttpClient(HttpOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

void HttpClient::submit(HttpRequest request) {
  auto t = std::make_unique<Transfer>();
  t->current_url = request.url;
  t->request = std::move(request);
  impl_->queue.push_back(std::move(t));
}

std::vector<Completion> HttpClient::perform(std::chrono::milliseconds wait) {
  Impl& m = *impl_;
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    m.start_ready();
    int running = 0;
    curl_multi_perform(m.multi, &running);
    m.harvest();
    if (!m.done.empty() || (m.active.empty() && m.queue.empty())) {
      break;
    }
    // Redirect hops go back to the queue: start them before sleeping.
    if (!m.queue.empty() && m.active.size() < m.options.concurrency) {
      m.start_ready();
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    curl_multi_poll(m.multi, nullptr, 0, static_cast<int>(std::min<long long>(left.count(), 1000)),
                    nullptr);
  }
  return std::exchange(m.done, {});
}

std::size_t HttpClient::pending() const {
  return impl_->queue.size() + impl_->active.size();
}

void HttpClient::cancel_all() {
  Impl& m = *impl_;
  std::vector<CURL*> handles;
  for (auto& [easy, t] : m.active) {
    handles.push_back(easy);
  }
  for (CURL* easy : handles) {
    m.fail(m.detach(easy), FailureKind::cancelled, "cancelled");
  }
  while (!m.queue.empty()) {
    auto t = std::move(m.queue.front());
    m.queue.pop_front();
    m.fail(std::move(t), FailureKind::cancelled, "cancelled");
  }
}

void HttpClient::wakeup() {
  curl_multi_wakeup(impl_->multi);
}

std::vector<FetchResult> HttpClient::fetch_all(std::vector<HttpRequest> requests) {
  std::vector<std::optional<FetchResult>> slots(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    requests[i].tag = i;
    submit(std::move(requests[i]));
  }
  std::size_t left = slots.size();
  while (left > 0) {
    for (Completion& c : perform(std::chrono::milliseconds(1000))) {
      if (c.tag < slots.size() && !slots[c.tag]) {
        slots[c.tag] = std::move(c.result);
        --left;
      }
    }
  }
  std::vector<FetchResult> out;
  out.reserve(slots.size());
  for (auto& s : slots) {
    out.push_back(std::move(*s));
  }
  return out;
}

FetchResult HttpClient::fetch(HttpRequest request) {
  std::vector<HttpRequest> one;
  one.push_back(std::move(request));
  return std::move(fetch_all(std::move(one)).front());
}

} // namespace feedpop::feeds
