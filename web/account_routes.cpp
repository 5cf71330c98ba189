// The signed-in side of web::Handler: the start page, sign-in and sign-out, feed actions and
// the per-user configuration profile. Every POST carries the session's CSRF token.
#include <spdlog/spdlog.h>

#include "auth/crypto.hpp"
#include "common/metrics.hpp"
#include "web/client_setup.hpp"
#include "web/handler.hpp"
#include "web/pages.hpp"
#include "web/text.hpp"

namespace feedpop::web {

namespace {

Reply html(http::status status, std::string body, unsigned version) {
  Reply out{Response(status, version), {}};
  out.response.set(http::field::content_type, "text/html; charset=utf-8");
  out.response.body() = std::move(body);
  return out;
}

Reply redirect_home(unsigned version) {
  Reply out{Response(http::status::see_other, version), {}};
  out.response.set(http::field::location, "/");
  out.response.set(http::field::content_type, "text/plain; charset=utf-8");
  out.response.body() = "See /\n";
  return out;
}

Reply forbidden(std::string_view why, unsigned version) {
  return html(http::status::forbidden, message_page("Forbidden", why), version);
}

void set_cookie(Reply& r, std::string_view id, std::chrono::seconds max_age, bool tls) {
  r.response.set(http::field::set_cookie, std::string(session_cookie) + "=" + std::string(id) +
                                              "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                              std::to_string(max_age.count()) +
                                              (tls ? "; Secure" : ""));
}

bool csrf_ok(const WebSession& s, const Fields& form) {
  const auto token = field(form, "csrf");
  return token && auth::crypto::constant_time_equal(*token, s.csrf);
}

constexpr std::string_view stale_form =
    "The form was out of date or did not come from this site. Reload the page and try again.";

} // namespace

Reply Handler::start_page(const Request& req, const Peer& peer) {
  auto s = session_of(req);
  if (s && !s->user.empty()) {
    const auto overview = status_->overview(s->user);
    if (overview) {
      return html(http::status::ok,
                  status_page(*overview, options_.mail, s->csrf, sessions_.take_notice(s->id)),
                  req.version());
    }
    sessions_.erase(s->id); // the user was removed from the configuration
    s.reset();
  }
  if (!s) {
    s = sessions_.create({});
    auto r = html(http::status::ok, login_page(s->csrf, {}), req.version());
    set_cookie(r, s->id, std::chrono::seconds(3600), peer.tls);
    return r;
  }
  return html(http::status::ok, login_page(s->csrf, sessions_.take_notice(s->id)), req.version());
}

Reply Handler::sign_in(const Request& req, const Peer& peer) {
  const auto form = parse_form(req.body());
  const auto s = session_of(req);
  if (!s || !csrf_ok(*s, form)) {
    return forbidden(stale_form, req.version());
  }
  const bool plain_ok = peer.tls || options_.plain_sign_in == PlainSignIn::always ||
                        (options_.plain_sign_in == PlainSignIn::local && peer.loopback);
  if (!plain_ok) {
    return html(http::status::forbidden,
                login_page(s->csrf, "Signing in needs an encrypted (https) connection."),
                req.version());
  }
  const auto user = field(form, "user").value_or("");
  auth::crypto::Secret password(field(form, "password").value_or(""));
  const bool ok = !user.empty() && user.size() <= 256 &&
                  auth::verify_plaintext(credentials_->lookup(user), password.get());
  if (!ok) {
    metrics::handles().auth_failure("web", "form").inc();
    spdlog::info("web: failed sign-in from {}", peer.address);
    auto r =
        html(http::status::ok, login_page(s->csrf, "Wrong user name or password."), req.version());
    r.delay = throttle_->failure_delay(peer.address, options_.auth_failure_delay,
                                       options_.max_auth_failure_delay);
    return r;
  }
  // A fresh id on sign-in: a session id planted before sign-in is worth nothing after.
  sessions_.erase(s->id);
  const auto fresh = sessions_.create(user);
  auto r = redirect_home(req.version());
  set_cookie(r, fresh.id, options_.session_ttl, peer.tls);
  return r;
}

Reply Handler::sign_out(const Request& req, const Peer& peer) {
  const auto s = session_of(req);
  if (!s || !csrf_ok(*s, parse_form(req.body()))) {
    return forbidden(stale_form, req.version());
  }
  sessions_.erase(s->id);
  auto r = redirect_home(req.version());
  set_cookie(r, "", std::chrono::seconds(0), peer.tls);
  return r;
}

Reply Handler::feed_action(const Request& req, const Peer&) {
  const auto form = parse_form(req.body());
  const auto s = session_of(req);
  if (!s || s->user.empty() || !csrf_ok(*s, form)) {
    return forbidden(stale_form, req.version());
  }
  const auto feed = field(form, "feed").value_or("");
  const auto action = field(form, "action").value_or("");
  FeedAction a{};
  if (action == "pause") {
    a = FeedAction::pause;
  } else if (action == "resume") {
    a = FeedAction::resume;
  } else if (action == "unsubscribe") {
    a = FeedAction::unsubscribe;
  } else {
    return html(http::status::bad_request, message_page("Bad request", "Unknown action."),
                req.version());
  }
  sessions_.set_notice(s->id, status_->act(s->user, feed, a).message);
  return redirect_home(req.version());
}

Reply Handler::subscribe(const Request& req, const Peer&) {
  const auto form = parse_form(req.body());
  const auto s = session_of(req);
  if (!s || s->user.empty() || !csrf_ok(*s, form)) {
    return forbidden(stale_form, req.version());
  }
  const auto url = field(form, "url").value_or("");
  const auto result = url.empty() ? ActionResult{false, "Enter the address of a feed."}
                                  : status_->subscribe(s->user, url);
  sessions_.set_notice(s->id, result.message);
  return redirect_home(req.version());
}

Reply Handler::profile(const Request& req, const Peer&) {
  const auto s = session_of(req);
  if (!s || s->user.empty()) {
    return forbidden("Sign in first; the profile names your account.", req.version());
  }
  Reply r{Response(http::status::ok, req.version()), {}};
  r.response.set(http::field::content_type, "application/x-apple-aspen-config");
  r.response.set(http::field::content_disposition, "attachment; filename=\"feedpop.mobileconfig\"");
  r.response.body() = apple_mobileconfig(options_.mail, s->user);
  return r;
}

} // namespace feedpop::web
