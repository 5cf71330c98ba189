#pragma once
// HttpClient's internals (not for use outside feeds/http_client*.cpp): one transfer's
// state and how its libcurl easy handle is set up for each hop.

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "feeds/http_client.hpp"

namespace feedpop::feeds::http_detail {

struct Transfer {
  HttpRequest request;
  std::string current_url;
  std::string host; // host_key(current_url); "" for file://
  std::vector<std::string> visited;
  ResponseInfo info;
  std::string body;
  std::uint64_t max_size = 0;
  bool too_large = false;
  bool started = false;
  bool from_fetch_all = false; // may start while fetch_all() holds back other queued ones
  std::chrono::steady_clock::time_point deadline; // set when the first hop starts
  std::string refused_ip; // a private address the policy refused to connect to
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
  char error[CURL_ERROR_SIZE] = {};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() { curl_slist_free_all(headers); }
};

void global_init(); // curl_global_init once; throws std::runtime_error
bool is_file_url(const std::string& url);
bool is_http_url(const std::string& url);
// "scheme://host:port": the unit of the per-host limit.
std::string host_key(const std::string& url);
std::optional<std::string> header_value(CURL* easy, const char* name);
// Every value of a header that may repeat (e.g. Link), in arrival order.
std::vector<std::string> header_values(CURL* easy, const char* name);
std::string http_date(std::time_t t);

// Sets every option of `t.easy` for a hop to `t.current_url`; the first call starts the
// transfer's clock (HttpOptions::timeout).
void configure(Transfer& t, const HttpOptions& options);

} // namespace feedpop::feeds::http_detail
