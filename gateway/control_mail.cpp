#include "gateway/control_mail.hpp"

#include <fmt/format.h>

#include "common/base64.hpp"
#include "gateway/user_feeds.hpp"
#include "mail/header_encoding.hpp"
#include "mail/transfer_encoding.hpp"
#include "storage/uidl.hpp"

namespace feedpop::gateway {

namespace {

using Kind = smtp::MailCommand::Kind;

constexpr const char* help_text =
    "Write to this address with one command per line (in the subject or the first lines of "
    "the body):\n"
    "  subscribe URL [as KEY] [tag TAG...]  add a feed (or a web page that links its feed)\n"
    "  unsubscribe KEY                      remove one of your feeds\n"
    "  pause KEY / resume KEY               stop / restart fetching one of your feeds\n"
    "  list                                 your feeds\n"
    "  export                               your feeds as an OPML attachment\n"
    "  import                               add the feeds of an attached OPML file\n"
    "  help                                 this text\n";

std::string list_text(const std::vector<storage::UserFeed>& feeds) {
  if (feeds.empty()) {
    return "You have no feeds of your own yet (the feeds chosen in feeds.yaml are not listed).";
  }
  std::string out = fmt::format("Your feeds ({}):\n", feeds.size());
  for (const auto& f : feeds) {
    out += fmt::format("  {}  {}", f.key, f.url);
    for (std::size_t i = 0; i < f.tags.size(); ++i) {
      out += (i == 0 ? "  tags: " : ", ") + f.tags[i];
    }
    out += f.paused ? "  (paused)\n" : "\n";
  }
  out.pop_back();
  return out;
}

Outcome run_one(Subscriptions& service, const std::string& user, const smtp::MailCommand& c,
                const smtp::CommandMail& mail, ControlReply& reply) {
  switch (c.kind) {
  case Kind::Subscribe:
    return service.subscribe(user, c.url, c.key, c.tags);
  case Kind::Unsubscribe:
    return service.unsubscribe(user, c.key);
  case Kind::Pause:
    return service.pause(user, c.key);
  case Kind::Resume:
    return service.resume(user, c.key);
  case Kind::List:
    return {true, list_text(service.list(user))};
  case Kind::Export:
    reply.opml = service.export_opml(user);
    return {true, "Your feeds are attached as feedpop.opml."};
  case Kind::Import:
    if (!mail.opml) {
      return {false, "'import' needs an OPML file attached (.opml, or text/x-opml)."};
    }
    return service.import_opml(user, *mail.opml);
  case Kind::Help:
    break;
  }
  return {true, help_text};
}

// "Re: " unless the subject already has it.
std::string reply_subject(const std::string& subject) {
  if (subject.empty()) {
    return "feedpop: your commands";
  }
  const bool re = subject.size() >= 3 && (subject[0] == 'R' || subject[0] == 'r') &&
                  (subject[1] == 'E' || subject[1] == 'e') && subject[2] == ':';
  return re ? subject : "Re: " + subject;
}

// A msg-id from the sender is only echoed when it looks like one (RFC 5322 §3.6.4).
bool is_msg_id(const std::string& id) {
  return id.size() > 2 && id.size() < 998 && id.front() == '<' && id.back() == '>' &&
         id.find_first_of(" \r\n\t") == std::string::npos && id.find('@') != std::string::npos;
}

} // namespace

ControlReply run_commands(Subscriptions& service, const std::string& user,
                          const smtp::CommandMail& mail) {
  ControlReply reply;
  for (const auto& e : mail.errors) {
    reply.text += fmt::format("> {}\nNot understood: {}\n\n", e.line, e.message);
    ++reply.failed;
  }
  for (const auto& c : mail.commands) {
    Outcome outcome;
    try {
      outcome = run_one(service, user, c, mail, reply);
    } catch (const std::exception& e) {
      outcome = {false,
                 fmt::format("feedpop could not do this now ({}); try again later.", e.what())};
    }
    reply.text +=
        fmt::format("> {}\n{}{}\n\n", c.line, outcome.ok ? "" : "Error: ", outcome.message);
    ++(outcome.ok ? reply.done : reply.failed);
  }
  if (mail.commands.empty() && mail.errors.empty()) {
    reply.text = std::string("No command found in your mail.\n\n") + help_text;
  }
  return reply;
}

std::string render_reply(const ControlReply& reply, const smtp::CommandMail& mail,
                         const std::string& user, const std::string& hostname,
                         std::chrono::sys_seconds now, const std::string& token) {
  const std::string from = "feedpop@" + hostname;
  std::string out;
  out += mail::address_field("From", "feedpop", from);
  out += mail::address_field("To", "",
                             user.find('@') == std::string::npos ? user + "@" + hostname : user);
  out += mail::unstructured_field("Subject", reply_subject(mail.subject));
  out += mail::raw_field("Date", mail::rfc5322_date(now));
  out += mail::raw_field("Message-ID",
                         fmt::format("<reply.{}@{}>", storage::derive_uidl(user, token), hostname));
  if (is_msg_id(mail.message_id)) {
    out += mail::raw_field("In-Reply-To", mail.message_id);
    out += mail::raw_field("References", mail.message_id);
  }
  out += mail::raw_field("Auto-Submitted", "auto-replied"); // RFC 3834
  out += mail::raw_field("MIME-Version", "1.0");
  const auto body = mail::encode_text(reply.text);
  const std::string text_headers =
      fmt::format("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: {}\r\n",
                  body.transfer_encoding);
  if (!reply.opml) {
    return out + text_headers + "\r\n" + body.text;
  }
  const std::string boundary = "=_feedpop_" + storage::derive_uidl(token, "boundary");
  out += fmt::format("Content-Type: multipart/mixed; boundary=\"{}\"\r\n\r\n", boundary);
  out += fmt::format("--{}\r\n{}\r\n{}", boundary, text_headers, body.text);
  out += fmt::format("--{}\r\nContent-Type: text/x-opml; charset=utf-8; name=\"feedpop.opml\"\r\n"
                     "Content-Disposition: attachment; filename=\"feedpop.opml\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n{}",
                     boundary, base64::encode_lines(*reply.opml));
  out += fmt::format("--{}--\r\n", boundary);
  return out;
}

void deliver_reply(storage::Store& store, const std::string& user, const std::string& token,
                   const std::string& message, std::chrono::sys_seconds now) {
  storage::NewEntry entry;
  entry.identity = token;
  entry.content_hash = token;
  entry.message = message;
  entry.entry_date = now;
  const auto key = control_feed_key(user);
  storage::FeedState state = store.feed_state(key).value_or(storage::FeedState{});
  state.key = key;
  state.last_status = "ok";
  store.insert_entries(key, {entry}, state);
}

} // namespace feedpop::gateway
