#pragma once
// The web server's request handling without sockets: one parsed request (and what is known
// of its connection) in, one response out, plus how long to hold it back (a failed sign-in
// is answered after auth::FailureThrottle's delay, as POP3 does). The fuzz target and the
// unit tests drive this directly; web::Server adds only transport, limits and timeouts.
//
// Routes: GET / (sign-in form or status page), POST /login, /logout, /feeds/action,
// /subscribe (all with the session's CSRF token), GET /style.css, /healthz, /metrics,
// /profile.mobileconfig, the Thunderbird autoconfig paths and Outlook's autodiscover.
//
// Threading: handle() is thread-safe (the session store and throttle lock internally).
// StatusSource and CredentialStore exceptions become 500 responses, logged.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "auth/credentials.hpp"
#include "auth/throttle.hpp"
#include "web/options.hpp"
#include "web/sessions.hpp"
#include "web/status_source.hpp"

namespace feedpop::web {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct Peer {
  std::string address; // for the failure throttle and logs
  bool loopback = false;
  bool tls = false;
};

struct Reply {
  Response response;
  std::chrono::milliseconds delay{0};
};

inline constexpr std::string_view session_cookie = "feedpop_session";

class Handler {
public:
  Handler(Options options, std::shared_ptr<StatusSource> status,
          std::shared_ptr<auth::CredentialStore> credentials,
          std::shared_ptr<auth::FailureThrottle> throttle);

  Reply handle(const Request& request, const Peer& peer);
  const Options& options() const { return options_; }
  SessionStore& sessions() { return sessions_; }

private:
  Reply route(const Request& request, const Peer& peer);
  Reply start_page(const Request& request, const Peer& peer);
  Reply sign_in(const Request& request, const Peer& peer);
  Reply sign_out(const Request& request, const Peer& peer);
  Reply feed_action(const Request& request, const Peer& peer);
  Reply subscribe(const Request& request, const Peer& peer);
  Reply profile(const Request& request, const Peer& peer);
  Reply metrics(const Request& request, const Peer& peer);
  Reply health(const Request& request);
  std::optional<WebSession> session_of(const Request& request);

  Options options_;
  std::shared_ptr<StatusSource> status_;
  std::shared_ptr<auth::CredentialStore> credentials_;
  std::shared_ptr<auth::FailureThrottle> throttle_;
  SessionStore sessions_;
};

// A complete response with a short plain-text body and the common security headers
// (also used by the server for limits it enforces before a request exists).
Response text_response(http::status status, std::string_view text, unsigned version = 11);

} // namespace feedpop::web
