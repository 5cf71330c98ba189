#pragma once
// HttpClient: many feed downloads at once over one libcurl multi handle (STYLE.md §6:
// libcurl stays in http_client*.cpp). Conditional GET, redirects followed here (so the
// chain is recorded, loops are named and https→http downgrades refused), limits on time
// and decompressed size, and an address policy checked on every socket curl opens.
//
// Threading: an HttpClient belongs to one thread (the fetcher's). Only wakeup() may be
// called from another thread. Nothing here throws for a failed transfer: a failure is a
// FetchFailed value. A broken environment (libcurl cannot initialise) throws
// std::runtime_error.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace feedpop::feeds {

// "feedpop/<version> (+<project url>)"
std::string default_user_agent();

struct HttpOptions {
  // Requests beyond these limits wait in the client's own queue, not inside libcurl: a
  // request's time limit starts when its transfer does.
  unsigned concurrency = 8; // transfers in flight at once, all hosts
  unsigned per_host = 2;    // transfers in flight at once to one scheme://host:port
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{30'000}; // whole request from its start, redirects included
  std::uint64_t max_size = 10'000'000;       // body bytes after decompression
  int max_redirects = 5;
  std::string user_agent = default_user_agent();
  std::optional<std::string> proxy;   // e.g. "http://proxy:3128"; none = libcurl's env rules
  std::optional<std::string> ca_file; // PEM bundle; TLS verification is always on
};

struct HttpRequest {
  std::uint64_t tag = 0;                    // the caller's, returned with the result
  std::string url;                          // http://, https:// or file://
  std::optional<std::string> etag;          // sent as If-None-Match
  std::optional<std::string> last_modified; // sent as If-Modified-Since (verbatim)
  std::optional<std::string> user_agent;    // overrides HttpOptions::user_agent
  // false: refuse file:// and every connection (each redirect hop, every resolved address)
  // to a private address (is_private_address). Without a proxy only: through a proxy, the
  // proxy resolves and connects.
  bool allow_private = true;
  std::optional<std::uint64_t> max_size; // a lower limit than HttpOptions::max_size
};

// Loopback, unspecified, private (RFC 1918), shared (RFC 6598), link-local, multicast and
// reserved IPv4; loopback, unspecified, unique local (fc00::/7), link-local, site-local
// and multicast IPv6; IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64,
// 6to4) are judged by that address. `ip` is numeric; anything else is not an address and
// counts as private (refused).
bool is_private_address(const std::string& ip);

// Following a redirect from `from` to `to` would lower transport security (https → http).
bool redirect_downgrades(const std::string& from, const std::string& to);

struct RedirectHop {
  int code = 0; // 301, 302, 303, 307, 308
  std::string from;
  std::string to;
  bool permanent() const { return code == 301 || code == 308; }
};

// What every outcome knows about the (last) response.
struct ResponseInfo {
  int http_code = 0; // 0 when no HTTP response arrived (and for file://)
  std::string url;   // the URL finally requested (after redirects)
  std::vector<RedirectHop> redirects;
  std::optional<std::string> etag;
  std::optional<std::string> last_modified;
  std::optional<std::string> cache_control;
  std::optional<std::chrono::seconds> retry_after; // parsed Retry-After (seconds or date)
  std::string content_type;
  std::optional<std::string> content_disposition; // the attachment's file name (RFC 6266)
  std::vector<std::string> links; // every Link header value (RFC 8288), unparsed, in order

  // The final URL when every hop was permanent (301/308) and it is as safe as the URL
  // requested (https stays https), else nullopt.
  std::optional<std::string> permanent_target() const;
};

struct Fetched {
  ResponseInfo info;
  std::string body; // decompressed
};

struct NotModified {
  ResponseInfo info;
};

enum class FailureKind {
  transport,          // DNS, connect, TLS, reset, file not found ...
  timeout,            // connect or total timeout
  http_status,        // 4xx / 5xx (info.http_code)
  too_large,          // body above max_size (decompressed)
  redirect_loop,      // a URL came back in the chain
  too_many_redirects, // more than max_redirects hops
  bad_redirect,       // no Location, or to a scheme other than http(s)
  insecure_redirect,  // https → http
  private_address,    // a private address or file:// for a request without allow_private
  cancelled,          // cancel_all()
};

struct FetchFailed {
  ResponseInfo info;
  FailureKind kind = FailureKind::transport;
  std::string error; // human readable, e.g. "HTTP 404", "SSL certificate problem: ..."
};

using FetchResult = std::variant<Fetched, NotModified, FetchFailed>;

struct Completion {
  std::uint64_t tag = 0;
  FetchResult result;
};

class HttpClient {
public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues a request; it starts once the global and per-host limits allow.
  void submit(HttpRequest request);
  // Drives transfers, waiting at most `wait` for progress; returns what completed.
  std::vector<Completion> perform(std::chrono::milliseconds wait);
  // Queued + in flight.
  std::size_t pending() const;
  // Fails every queued and in-flight request with FailureKind::cancelled (returned by the
  // next perform()).
  void cancel_all();
  // Thread-safe: makes a perform() that is waiting return early.
  void wakeup();

  // Runs the requests to completion; results in request order. Their tags are replaced
  // (fetch_all's own, above 2^63). Safe while submit()ted requests are in flight: those
  // share the concurrency and per-host slots, and their completions meanwhile are kept
  // for the next perform(); submit()ted requests not started yet wait until fetch_all()
  // returns (so at most `concurrency` completions are kept). A caller handling one
  // completion may thus fetch more (an article, its images) through the same client,
  // under the same politeness limits, without the rest of the queue going first.
  std::vector<FetchResult> fetch_all(std::vector<HttpRequest> requests);
  FetchResult fetch(HttpRequest request);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* failure_kind_name(FailureKind kind);

} // namespace feedpop::feeds
