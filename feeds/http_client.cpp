#include "feeds/http_client.hpp"

#include <algorithm>
#include <deque>
#include <iterator>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <curl/curl.h>
#include <fmt/format.h>

#include "feeds/http_client_transfer.hpp"

namespace feedpop::feeds {

using http_detail::global_init;
using http_detail::header_value;
using http_detail::header_values;
using http_detail::host_key;
using http_detail::http_date;
using http_detail::is_file_url;
using http_detail::is_http_url;
using http_detail::Transfer;

struct HttpClient::Impl {
  HttpOptions options;
  CURLM* multi = nullptr;
  std::deque<std::unique_ptr<Transfer>> queue;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
  std::map<std::string, unsigned> per_host;
  std::vector<CURL*> idle_handles;
  std::vector<Completion> done;
  std::uint64_t fetch_all_tags = 0; // fetch_all()'s tags handed out so far
  bool in_fetch_all = false;        // queued requests of submit() wait meanwhile

  void enqueue(HttpRequest request, bool from_fetch_all) {
    auto t = std::make_unique<Transfer>();
    t->current_url = request.url;
    t->request = std::move(request);
    t->from_fetch_all = from_fetch_all;
    queue.push_back(std::move(t));
  }

  explicit Impl(HttpOptions o) : options(std::move(o)) {
    options.concurrency = std::max(1U, options.concurrency);
    options.per_host = std::max(1U, options.per_host);
    global_init();
    multi = curl_multi_init();
    if (multi == nullptr) {
      throw std::runtime_error("curl_multi_init failed");
    }
    // HTTP/2 multiplexing where the server offers it; several feeds of one host share
    // one connection then. The per-host limit is start_ready()'s, not libcurl's
    // (CURLMOPT_MAX_HOST_CONNECTIONS): a transfer libcurl parks for a free connection
    // has its clock running and times out unstarted.
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
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

  void start_ready() {
    for (auto it = queue.begin(); it != queue.end() && active.size() < options.concurrency;) {
      Transfer& t = **it;
      // A redirect hop (started) goes on: its clock is running.
      if (in_fetch_all && !t.from_fetch_all && !t.started) {
        ++it;
        continue;
      }
      if (!t.request.allow_private && is_file_url(t.current_url)) {
        fail(std::move(*it), FailureKind::private_address, "file: URLs are not allowed here");
        it = queue.erase(it);
        continue;
      }
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
      t.max_size = std::min(options.max_size, t.request.max_size.value_or(options.max_size));
      configure(t, options);
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
                    fmt::format("body larger than {} bytes", t->max_size));
      }
      if (!t->refused_ip.empty()) {
        std::string text =
            fmt::format("refused to connect to {}, a private address", t->refused_ip);
        return fail(std::move(t), FailureKind::private_address, std::move(text));
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
    info.links = header_values(easy, "Link");
    info.content_disposition = header_value(easy, "Content-Disposition");
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
    if (redirect_downgrades(t->current_url, to)) {
      return fail(std::move(t), FailureKind::insecure_redirect,
                  "refused redirect from https to an insecure URL: " + to);
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
    t->refused_ip.clear();
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
  impl_->enqueue(std::move(request), false);
}

std::vector<Completion> HttpClient::perform(std::chrono::milliseconds wait) {
  Impl& m = *impl_;
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    m.start_ready();
    int running = 0;
    curl_multi_perform(m.multi, &running);
    m.harvest();
    if (!m.done.empty()) {
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
    const bool idle = m.active.empty() && m.queue.empty();
    // With nothing in flight this is an interruptible sleep (wakeup() ends it).
    curl_multi_poll(m.multi, nullptr, 0, static_cast<int>(std::min<long long>(left.count(), 1000)),
                    nullptr);
    if (idle) {
      break;
    }
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
  const std::uint64_t base = (std::uint64_t{1} << 63) + impl_->fetch_all_tags;
  impl_->fetch_all_tags += requests.size();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    requests[i].tag = base + i;
    impl_->enqueue(std::move(requests[i]), true);
  }
  struct Exclusive {
    Impl& m;
    bool was;
    ~Exclusive() { m.in_fetch_all = was; }
  } exclusive{*impl_, std::exchange(impl_->in_fetch_all, true)};
  std::vector<Completion> others;
  std::size_t left = slots.size();
  while (left > 0) {
    for (Completion& c : perform(std::chrono::milliseconds(1000))) {
      const std::uint64_t i = c.tag - base;
      if (c.tag >= base && i < slots.size() && !slots[i]) {
        slots[i] = std::move(c.result);
        --left;
      } else {
        others.push_back(std::move(c));
      }
    }
  }
  impl_->done.insert(impl_->done.begin(), std::make_move_iterator(others.begin()),
                     std::make_move_iterator(others.end()));
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
