#include "web/handler.hpp"

#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include "auth/crypto.hpp"
#include "common/metrics.hpp"
#include "web/client_setup.hpp"
#include "web/pages.hpp"
#include "web/text.hpp"

namespace feedpop::web {

namespace {

std::string_view sv(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

// No scripts, frames, or foreign origins; forms post only here (defence in depth on top of
// the escaping: the pages need nothing but their own stylesheet).
constexpr std::string_view csp = "default-src 'none'; style-src 'self'; img-src 'self'; "
                                 "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void secure_headers(Response& r) {
  r.set("Content-Security-Policy", csp);
  r.set("X-Content-Type-Options", "nosniff");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "no-referrer");
  if (r.find(http::field::cache_control) == r.end()) {
    r.set(http::field::cache_control, "no-store");
  }
}

Reply make(http::status status, std::string_view type, std::string body, unsigned version) {
  Reply out{Response(status, version), {}};
  out.response.set(http::field::content_type, type);
  out.response.body() = std::move(body);
  return out;
}

Reply html(http::status status, std::string body, unsigned version) {
  return make(status, "text/html; charset=utf-8", std::move(body), version);
}

std::size_t class_index(unsigned status) {
  return status >= 100 && status < 600 ? status / 100 - 1 : 5;
}

} // namespace

Response text_response(http::status status, std::string_view text, unsigned version) {
  auto r = make(status, "text/plain; charset=utf-8", std::string(text) + "\n", version).response;
  secure_headers(r);
  r.keep_alive(false);
  r.prepare_payload();
  return r;
}

Handler::Handler(Options options, std::shared_ptr<StatusSource> status,
                 std::shared_ptr<auth::CredentialStore> credentials,
                 std::shared_ptr<auth::FailureThrottle> throttle)
    : options_(std::move(options)), status_(std::move(status)),
      credentials_(std::move(credentials)), throttle_(std::move(throttle)),
      sessions_(options_.session_ttl, options_.max_sessions) {}

Reply Handler::handle(const Request& request, const Peer& peer) {
  Reply out;
  try {
    out = route(request, peer);
  } catch (const std::exception& e) {
    spdlog::error("web: {} {}: {}", sv(request.method_string()), sv(request.target()), e.what());
    out = html(http::status::internal_server_error,
               message_page("Server error", "Something failed on the server; it is logged."),
               request.version());
  }
  auto& r = out.response;
  secure_headers(r);
  r.keep_alive(request.keep_alive());
  r.prepare_payload();
  // RFC 9110 §9.3.2: HEAD gets GET's header fields, no content.
  if (request.method() == http::verb::head) {
    const auto length = r.body().size();
    r.body().clear();
    r.content_length(length);
  }
  const auto& m = metrics::handles();
  static constexpr std::string_view classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "error"};
  m.http_requests.with({classes[class_index(r.result_int())]}).inc();
  m.http_served_bytes.inc(r.body().size());
  return out;
}

Reply Handler::route(const Request& req, const Peer& peer) {
  const auto target = sv(req.target());
  const auto path = target.substr(0, target.find('?'));
  const auto v = req.version();
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool post = req.method() == http::verb::post;
  auto only = [&](bool ok, std::string_view allow, auto&& f) -> Reply {
    if (!ok) {
      auto r =
          html(http::status::method_not_allowed,
               message_page("Method not allowed", "This address does not take that method."), v);
      r.response.set(http::field::allow, allow);
      return r;
    }
    return f();
  };
  if (path == "/") {
    return only(get, "GET, HEAD", [&] { return start_page(req, peer); });
  }
  if (path == "/login") {
    return only(post, "POST", [&] { return sign_in(req, peer); });
  }
  if (path == "/logout") {
    return only(post, "POST", [&] { return sign_out(req, peer); });
  }
  if (path == "/feeds/action") {
    return only(post, "POST", [&] { return feed_action(req, peer); });
  }
  if (path == "/subscribe") {
    return only(post, "POST", [&] { return subscribe(req, peer); });
  }
  if (path == "/profile.mobileconfig") {
    return only(get, "GET, HEAD", [&] { return profile(req, peer); });
  }
  if (path == "/style.css") {
    return only(get, "GET, HEAD", [&] {
      auto r = make(http::status::ok, "text/css; charset=utf-8", std::string(stylesheet()), v);
      r.response.set(http::field::cache_control, "max-age=3600");
      return r;
    });
  }
  if (path == "/healthz") {
    return only(get, "GET, HEAD", [&] { return health(req); });
  }
  if (path == "/metrics") {
    return only(get, "GET, HEAD", [&] { return metrics(req, peer); });
  }
  if (path == "/.well-known/autoconfig/mail/config-v1.1.xml" || path == "/mail/config-v1.1.xml") {
    return only(get, "GET, HEAD", [&] {
      return make(http::status::ok, "application/xml; charset=utf-8",
                  thunderbird_autoconfig(options_.mail), v);
    });
  }
  // Outlook asks for either spelling; the POX request is a POST, some clients GET it.
  if (path == "/autodiscover/autodiscover.xml" || path == "/Autodiscover/Autodiscover.xml") {
    return only(get || post, "GET, HEAD, POST", [&] {
      auto email = post ? autodiscover_email(req.body()) : std::nullopt;
      if (!email) {
        email = field(parse_form(target.substr(std::min(target.size(), path.size() + 1))),
                      "emailaddress");
      }
      return make(http::status::ok, "text/xml; charset=utf-8",
                  outlook_autodiscover(options_.mail, email.value_or("")), v);
    });
  }
  return html(http::status::not_found, message_page("Not found", "There is nothing here."), v);
}

Reply Handler::health(const Request& req) {
  const auto problems = status_->health_problems();
  if (problems.empty()) {
    return make(http::status::ok, "text/plain; charset=utf-8", "ok\n", req.version());
  }
  std::string body;
  for (const auto& p : problems) {
    body += p + "\n";
  }
  return make(http::status::service_unavailable, "text/plain; charset=utf-8", body, req.version());
}

Reply Handler::metrics(const Request& req, const Peer& peer) {
  bool allowed = peer.loopback;
  if (!allowed && options_.metrics_token && !options_.metrics_token->empty()) {
    const auto header = sv(req[http::field::authorization]);
    constexpr std::string_view scheme = "Bearer ";
    // Digests of equal length compared in constant time: neither the token's content nor
    // its length leaks through timing.
    allowed = header.size() > scheme.size() && header.substr(0, scheme.size()) == scheme &&
              auth::crypto::constant_time_equal(auth::crypto::sha256(header.substr(scheme.size())),
                                                auth::crypto::sha256(*options_.metrics_token));
  }
  if (!allowed) {
    return make(http::status::forbidden, "text/plain; charset=utf-8",
                "metrics are served to loopback or with the configured bearer token\n",
                req.version());
  }
  return make(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
              metrics::registry().exposition(), req.version());
}

std::optional<WebSession> Handler::session_of(const Request& req) {
  const auto header = req.find(http::field::cookie);
  if (header == req.end()) {
    return std::nullopt;
  }
  const auto id = cookie(sv(header->value()), session_cookie);
  // Ids are 64 hex digits; anything else is not looked up at all.
  if (!id || id->size() != 64) {
    return std::nullopt;
  }
  return sessions_.find(*id);
}

} // namespace feedpop::web
