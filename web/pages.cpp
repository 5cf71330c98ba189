#include "web/pages.hpp"

#include "web/text.hpp"

namespace feedpop::web {

namespace {

std::string page(std::string_view title, std::string_view body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>" +
         escape_html(title) +
         "</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n" +
         std::string(body) + "</body>\n</html>\n";
}

std::string hidden_csrf(std::string_view csrf) {
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + escape_html(csrf) + "\">";
}

std::string td(std::string_view label, std::string_view html) {
  return "<td data-label=\"" + escape_html(label) + "\">" + std::string(html) + "</td>";
}

std::string when(const std::optional<std::chrono::sys_seconds>& t) {
  return t ? escape_html(format_time(*t)) : "never";
}

std::string feed_name(const FeedStatus& f) {
  const auto& title = f.title.empty() ? f.key : f.title;
  // Only web links become links: a feed URL is whatever a user typed.
  if (f.url.starts_with("https://") || f.url.starts_with("http://")) {
    return "<a href=\"" + escape_html(f.url) + "\" rel=\"noreferrer\">" + escape_html(title) +
           "</a>";
  }
  return escape_html(title);
}

std::string action_button(const FeedStatus& f, std::string_view csrf, std::string_view action,
                          std::string_view label) {
  return "<form method=\"post\" action=\"/feeds/action\" class=\"inline\">" + hidden_csrf(csrf) +
         "<input type=\"hidden\" name=\"feed\" value=\"" + escape_html(f.key) +
         "\"><button type=\"submit\" name=\"action\" value=\"" + std::string(action) +
         "\" aria-label=\"" + std::string(label) + " " +
         escape_html(f.title.empty() ? f.key : f.title) + "\">" + std::string(label) +
         "</button></form> ";
}

std::string feed_table(const std::vector<FeedStatus>& feeds, std::string_view csrf, bool actions,
                       std::string_view id) {
  if (feeds.empty()) {
    return "<p>No feeds.</p>\n";
  }
  std::string out = "<table id=\"" + std::string(id) +
                    "\">\n<thead><tr><th scope=\"col\">Feed</th><th scope=\"col\">State</th>"
                    "<th scope=\"col\">Last fetch</th><th scope=\"col\">Last error</th>"
                    "<th scope=\"col\">Next poll</th><th scope=\"col\">Delivered</th>";
  out += actions ? "<th scope=\"col\">Actions</th></tr></thead>\n<tbody>\n"
                 : "</tr></thead>\n<tbody>\n";
  for (const auto& f : feeds) {
    const auto state = std::string(to_string(f.state));
    out += "<tr data-feed=\"" + escape_html(f.key) + "\">";
    out += td("Feed", feed_name(f) + "<br><code>" + escape_html(f.key) + "</code>");
    out += td("State", "<span class=\"state state-" + state + "\">" + state + "</span>");
    out += td("Last fetch", when(f.last_fetch));
    out += td("Last error", f.last_error.empty() ? "none" : escape_html(f.last_error));
    out += td("Next poll", f.state == FeedState::paused ? "paused" : when(f.next_poll));
    out += td("Delivered", std::to_string(f.delivered));
    if (actions) {
      std::string buttons;
      if (f.user_added) {
        buttons += f.state == FeedState::paused ? action_button(f, csrf, "resume", "Resume")
                                                : action_button(f, csrf, "pause", "Pause");
        buttons += action_button(f, csrf, "unsubscribe", "Unsubscribe");
      } else {
        buttons = "from the configuration";
      }
      out += td("Actions", buttons);
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string users_table(const std::vector<UserStatus>& users) {
  std::string out = "<table id=\"users\">\n<thead><tr><th scope=\"col\">User</th>"
                    "<th scope=\"col\">Role</th><th scope=\"col\">Feeds</th>"
                    "<th scope=\"col\">Waiting messages</th></tr></thead>\n<tbody>\n";
  for (const auto& u : users) {
    out += "<tr>" + td("User", escape_html(u.name)) + td("Role", u.admin ? "admin" : "user") +
           td("Feeds", std::to_string(u.feeds)) +
           td("Waiting messages", std::to_string(u.waiting_messages)) + "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string server_line(std::string_view host, std::uint16_t port, std::string_view security) {
  return "<code>" + escape_html(host) + "</code> port <code>" + std::to_string(port) + "</code> (" +
         std::string(security) + ")<br>";
}

std::string mail_setup(const MailSetup& m, std::string_view user) {
  std::string pop, smtp;
  if (m.pop3s_port != 0) {
    pop += server_line(m.pop3_host, m.pop3s_port, "SSL/TLS");
  }
  if (m.pop3_port != 0) {
    pop += server_line(m.pop3_host, m.pop3_port, "STARTTLS");
  }
  if (m.submissions_port != 0) {
    smtp += server_line(m.smtp_host, m.submissions_port, "SSL/TLS");
  }
  if (m.submission_port != 0) {
    smtp += server_line(m.smtp_host, m.submission_port, "STARTTLS");
  }
  const auto address = escape_html(std::string(user) + "@" + m.domain);
  std::string out = "<h2 id=\"setup\">Mail client setup</h2>\n<dl>\n";
  out += "<dt>Address</dt><dd><code>" + address + "</code></dd>\n";
  out += "<dt>User name</dt><dd><code>" + escape_html(user) + "</code></dd>\n";
  out += "<dt>Incoming (POP3)</dt><dd>" + (pop.empty() ? "not offered" : pop) + "</dd>\n";
  out += "<dt>Outgoing (SMTP)</dt><dd>" + (smtp.empty() ? "not offered" : smtp) + "</dd>\n";
  out += "<dt>Password</dt><dd>the one you signed in with</dd>\n";
  out += "<dt>Certificate SHA-256</dt><dd><code>" +
         (m.certificate_sha256.empty() ? std::string("none") : escape_html(m.certificate_sha256)) +
         "</code></dd>\n</dl>\n";
  out += "<ul>\n<li><strong>Thunderbird</strong>: add a mail account with <code>" + address +
         "</code> and your password; the settings are found automatically.</li>\n"
         "<li><strong>Outlook</strong>: add the account by its address; Outlook asks this "
         "server (autodiscover) for the rest.</li>\n"
         "<li><strong>iPhone, iPad, Mac</strong>: <a href=\"/profile.mobileconfig\">download "
         "the configuration profile</a>, open it in Settings and enter your password.</li>\n"
         "<li><strong>Others</strong> (K-9, mutt, fetchmail): enter the servers above; compare "
         "the certificate fingerprint if the client asks.</li>\n</ul>\n";
  return out;
}

} // namespace

std::string login_page(std::string_view csrf, std::string_view error) {
  std::string body = "<main class=\"login\">\n<h1>feedpop: sign in</h1>\n";
  if (!error.empty()) {
    body += "<p class=\"notice error\" role=\"alert\">" + escape_html(error) + "</p>\n";
  }
  body += "<form method=\"post\" action=\"/login\">" + hidden_csrf(csrf) +
          "\n<label for=\"user\">User name</label>\n"
          "<input id=\"user\" name=\"user\" autocomplete=\"username\" required autofocus>\n"
          "<label for=\"password\">Password</label>\n"
          "<input id=\"password\" name=\"password\" type=\"password\" "
          "autocomplete=\"current-password\" required>\n"
          "<button type=\"submit\">Sign in</button>\n</form>\n</main>\n";
  return page("feedpop: sign in", body);
}

std::string status_page(const Overview& o, const MailSetup& mail, std::string_view csrf,
                        std::string_view notice) {
  std::string body = "<header><h1>feedpop: " + escape_html(o.user.name) +
                     "</h1><form method=\"post\" action=\"/logout\" class=\"inline\">" +
                     hidden_csrf(csrf) + "<button type=\"submit\">Sign out</button></form>" +
                     "</header>\n<main>\n";
  if (!notice.empty()) {
    body += "<p class=\"notice\" role=\"status\">" + escape_html(notice) + "</p>\n";
  }
  body += "<p id=\"mailbox\">" + std::to_string(o.user.waiting_messages) +
          " messages waiting in your mailbox (" +
          std::to_string((o.user.waiting_bytes + 1023) / 1024) + " KiB).</p>\n";
  body += "<h2 id=\"your-feeds\">Your feeds</h2>\n" + feed_table(o.feeds, csrf, true, "feeds");
  body += "<h2 id=\"subscribe\">Subscribe</h2>\n<form method=\"post\" action=\"/subscribe\">" +
          hidden_csrf(csrf) +
          "\n<label for=\"url\">Feed address (RSS, Atom or JSON Feed)</label>\n"
          "<input id=\"url\" name=\"url\" type=\"url\" required placeholder=\"https://\">\n"
          "<button type=\"submit\">Subscribe</button>\n</form>\n";
  if (o.user.admin) {
    body += "<h2 id=\"all-feeds\">All feeds</h2>\n" +
            feed_table(o.all_feeds, csrf, false, "all-feeds-table");
    body += "<h2 id=\"all-users\">Users</h2>\n" + users_table(o.all_users);
  }
  body += mail_setup(mail, o.user.name) + "</main>\n";
  return page("feedpop: " + o.user.name, body);
}

std::string message_page(std::string_view title, std::string_view text) {
  return page(title, "<main>\n<h1>" + escape_html(title) + "</h1>\n<p>" + escape_html(text) +
                         "</p>\n<p><a href=\"/\">Back to the start page</a></p>\n</main>\n");
}

std::string_view to_string(FeedState s) {
  static constexpr std::string_view names[] = {"ok", "failing", "gone", "paused", "pending"};
  return names[static_cast<int>(s)];
}

} // namespace feedpop::web
