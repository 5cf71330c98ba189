#include "feeds/http_client_transfer.hpp"

#include <arpa/inet.h>
#include <mutex>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>

#include <fmt/format.h>

namespace feedpop::feeds::http_detail {

namespace {

// Feeds first, anything else last: some servers vary on Accept (RFC 9110 §12.5.1).
constexpr const char* accept_header =
    "Accept: application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

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

std::string numeric_address(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, text, sizeof text);
  } else if (addr->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, text,
                sizeof text);
  }
  return text;
}

// Every socket curl opens for a request without allow_private, after DNS and for each
// redirect hop: the address actually connected to is the one checked.
curl_socket_t open_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN) {
    const std::string ip = numeric_address(&address->addr);
    if (is_private_address(ip)) {
      t->refused_ip = ip;
      return CURL_SOCKET_BAD; // curl tries the host's next address, if any
    }
  }
  return ::socket(address->family, address->socktype, address->protocol);
}

// Before each request on a connection, new or reused from the cache (a reused one opened
// no socket for this transfer).
int before_request(void* user, char* primary_ip, char*, int, int) {
  auto* t = static_cast<Transfer*>(user);
  if (primary_ip == nullptr || is_private_address(primary_ip)) {
    t->refused_ip = primary_ip == nullptr ? "?" : primary_ip;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}

void set_conditional_headers(Transfer& t) {
  CURL* e = t.easy;
  if (is_file_url(t.current_url)) {
    // file:// has no validators; libcurl compares the file's mtime for us.
    if (t.request.last_modified) {
      const std::time_t since = curl_getdate(t.request.last_modified->c_str(), nullptr);
      if (since > 0) {
        curl_easy_setopt(e, CURLOPT_TIMECONDITION, static_cast<long>(CURL_TIMECOND_IFMODSINCE));
        curl_easy_setopt(e, CURLOPT_TIMEVALUE_LARGE, static_cast<curl_off_t>(since));
      }
    }
    return;
  }
  // RFC 9110 §13.1.3: send Last-Modified back exactly as the server wrote it.
  if (t.request.etag) {
    t.headers = curl_slist_append(t.headers, ("If-None-Match: " + *t.request.etag).c_str());
  }
  if (t.request.last_modified) {
    t.headers =
        curl_slist_append(t.headers, ("If-Modified-Since: " + *t.request.last_modified).c_str());
  }
}

} // namespace

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

std::vector<std::string> header_values(CURL* easy, const char* name) {
  std::vector<std::string> out;
  curl_header* h = nullptr;
  if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || h == nullptr) {
    return out;
  }
  const std::size_t amount = h->amount;
  for (std::size_t i = 0; i < amount; ++i) {
    if (curl_easy_header(easy, name, i, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr &&
        h->value != nullptr && *h->value != '\0') {
      out.emplace_back(h->value);
    }
  }
  return out;
}

std::string http_date(std::time_t t) {
  char buf[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

void configure(Transfer& t, const HttpOptions& options) {
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
  // HTTP/2 (hence multiplexing) is negotiated through TLS only. PIPEWAIT makes a request
  // wait for a connection of the same host whose protocol is not known yet; over plain
  // http that wait only serialises the host's requests (an HTTP/1.0 server never says
  // it cannot multiplex, so every request waited for the one before).
  curl_easy_setopt(e, CURLOPT_PIPEWAIT, t.current_url.rfind("https://", 0) == 0 ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 128L * 1024);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<long long>(1, remaining)));
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(t.max_size));
  curl_easy_setopt(e, CURLOPT_FILETIME, 1L);
  const std::string& agent = t.request.user_agent ? *t.request.user_agent : options.user_agent;
  curl_easy_setopt(e, CURLOPT_USERAGENT, agent.c_str());
  if (options.proxy) {
    curl_easy_setopt(e, CURLOPT_PROXY, options.proxy->c_str());
  } else if (!t.request.allow_private) {
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, before_request);
    curl_easy_setopt(e, CURLOPT_PREREQDATA, &t);
  }
  if (options.ca_file) {
    curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file->c_str());
  }
  curl_slist_free_all(t.headers);
  t.headers = curl_slist_append(nullptr, accept_header);
  set_conditional_headers(t);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers);
}

} // namespace feedpop::feeds::http_detail
