#include "content/tracking.hpp"

#include <array>
#include <memory>

#include <curl/curl.h>

#include "common/ascii.hpp"
#include "feeds/html.hpp"

namespace feedpop::content {

namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

CurlString get_part(CURLU* url, CURLUPart part) {
  char* out = nullptr;
  if (curl_url_get(url, part, &out, 0) != CURLUE_OK) {
    return nullptr;
  }
  return CurlString(out);
}

// The query without its tracking parameters; `removed` says whether any was.
std::string filtered_query(std::string_view query, bool& removed) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) {
      end = query.size();
    }
    const std::string_view param = query.substr(start, end - start);
    const std::string_view name = param.substr(0, param.find('='));
    if (is_tracking_parameter(name)) {
      removed = true;
    } else if (!param.empty()) {
      out += out.empty() ? "" : "&";
      out += param;
    }
    start = end + 1;
  }
  return out;
}

} // namespace

bool is_tracking_parameter(std::string_view name) {
  static constexpr std::array<std::string_view, 16> exact = {
      "fbclid", "gclid", "dclid",   "msclkid", "mc_eid", "mc_cid", "igshid", "yclid",
      "_hsenc", "_hsmi", "mkt_tok", "ref_src", "gbraid", "wbraid", "twclid", "_openstat"};
  const std::string lower = ascii::lower(name);
  if (lower.rfind("utm_", 0) == 0) {
    return true;
  }
  for (std::string_view e : exact) {
    if (lower == e) {
      return true;
    }
  }
  return false;
}

std::string strip_tracking(std::string_view url) {
  const std::string original(url);
  if (original.find('?') == std::string::npos) {
    return original;
  }
  std::unique_ptr<CURLU, UrlDeleter> handle(curl_url());
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, original.c_str(), 0) != CURLUE_OK) {
    return original;
  }
  const CurlString query = get_part(handle.get(), CURLUPART_QUERY);
  if (!query) {
    return original;
  }
  bool removed = false;
  const std::string kept = filtered_query(query.get(), removed);
  if (!removed) {
    return original;
  }
  if (curl_url_set(handle.get(), CURLUPART_QUERY, kept.empty() ? nullptr : kept.c_str(), 0) !=
      CURLUE_OK) {
    return original;
  }
  const CurlString out = get_part(handle.get(), CURLUPART_URL);
  return out ? std::string(out.get()) : original;
}

std::string strip_tracking_links(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  std::size_t pos = 0;
  while (pos < html.size()) {
    std::size_t at = std::string_view::npos;
    std::size_t value = 0;
    for (std::string_view attr : {" href=\"", " src=\""}) {
      const std::size_t p = html.find(attr, pos);
      if (p != std::string_view::npos && (at == std::string_view::npos || p < at)) {
        at = p;
        value = p + attr.size();
      }
    }
    const std::size_t close = at == std::string_view::npos ? at : html.find('"', value);
    if (close == std::string_view::npos) {
      out.append(html.substr(pos));
      break;
    }
    out.append(html.substr(pos, value - pos));
    const std::string_view raw = html.substr(value, close - value);
    const std::string url = feeds::html::decode_entities(raw);
    const std::string stripped = strip_tracking(url);
    if (stripped == url) {
      out.append(raw);
    } else {
      out += feeds::html::escape(stripped);
    }
    pos = close;
  }
  return out;
}

} // namespace feedpop::content
