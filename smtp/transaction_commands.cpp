// The mail transaction (RFC 5321 §3.3): MAIL, RCPT, DATA and the message content.
#include <charconv>
#include <exception>

#include "common/ascii.hpp"
#include "common/metrics.hpp"
#include "smtp/address.hpp"
#include "smtp/session.hpp"

namespace feedpop::smtp {
namespace {

// A reply line as the handler must give it: a 2xx/4xx/5xx code, then end or a space, and
// no line break inside (one line; the session adds CRLF).
bool valid_reply(std::string_view r) {
  if (r.size() < 3 || (r[0] != '2' && r[0] != '4' && r[0] != '5') || !ascii::is_digit(r[1]) ||
      !ascii::is_digit(r[2]) || (r.size() > 3 && r[3] != ' ')) {
    return false;
  }
  return r.find_first_of("\r\n") == std::string_view::npos;
}

// One MAIL parameter (RFC 1870 SIZE, RFC 6152 BODY, RFC 6531 SMTPUTF8, RFC 4954 AUTH): an
// empty reply when accepted; `counted` when refusing it is a client mistake.
struct ParamVerdict {
  std::string reply;
  bool counted = true;
};

ParamVerdict check_mail_param(const std::string& key, std::string_view value,
                              std::size_t max_size) {
  if (key == "SIZE") {
    // RFC 1870 §6: refuse at once what would be refused after DATA.
    std::uint64_t size = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
      return {"501 5.5.4 Syntax: SIZE=octets"};
    }
    if (size > max_size) {
      return {"552 5.3.4 Message size exceeds fixed limit of " + std::to_string(max_size) +
                  " octets",
              false};
    }
    return {};
  }
  if (key == "BODY") {
    if (!ascii::iequals(value, "7bit") && !ascii::iequals(value, "8bitmime")) {
      return {"501 5.5.4 Unsupported BODY type, use 7BIT or 8BITMIME"};
    }
    return {};
  }
  if ((key == "SMTPUTF8" && value.empty()) || key == "AUTH") {
    return {}; // AUTH= (RFC 4954 §5) is for relaying between servers: ignored
  }
  return {"555 5.5.4 Unsupported parameter " + key};
}

} // namespace

void Session::reset_transaction() {
  mail_from_.reset();
  smtputf8_ = false;
  recipients_.clear();
  std::string().swap(content_);
  content_size_ = 0;
  line_too_long_ = false;
  bare_lf_ = false;
}

Action Session::cmd_mail(std::string_view rest) {
  if (!helo_) {
    return bad("503 5.5.1 Send EHLO first");
  }
  if (!user_) {
    // RFC 6409 §4.3 / RFC 4954 §6: submission needs authentication.
    return bad("530 5.7.0 Authentication required");
  }
  if (mail_from_) {
    return bad("503 5.5.1 Sender already specified");
  }
  auto path = parse_path(rest, "FROM");
  if (!path) {
    return bad("501 5.5.4 Syntax: MAIL FROM:<address>");
  }
  bool utf8 = false;
  for (const auto& [key, value] : path->params) {
    if (!extended_) {
      return bad("555 5.5.4 MAIL parameters need EHLO");
    }
    const ParamVerdict verdict = check_mail_param(key, value, options_.max_message_size);
    if (!verdict.reply.empty()) {
      return verdict.counted ? bad(verdict.reply) : reply(verdict.reply);
    }
    utf8 = utf8 || key == "SMTPUTF8";
  }
  if (path->non_ascii && !utf8) {
    return bad("553 5.6.7 Non-ASCII address needs SMTPUTF8");
  }
  mail_from_ = std::move(path->address);
  smtputf8_ = utf8;
  return reply("250 2.1.0 Sender OK");
}

Action Session::cmd_rcpt(std::string_view rest) {
  if (!mail_from_) {
    return bad("503 5.5.1 Need MAIL before RCPT");
  }
  auto path = parse_path(rest, "TO");
  if (!path || path->address.empty()) {
    return bad("501 5.5.4 Syntax: RCPT TO:<address>");
  }
  if (!path->params.empty()) {
    return bad("555 5.5.4 Unsupported parameter " + path->params.front().first);
  }
  if (path->non_ascii && !smtputf8_) {
    return bad("553 5.6.7 Non-ASCII address needs SMTPUTF8");
  }
  if (recipients_.size() >= options_.max_recipients) {
    return reply("452 4.5.3 Too many recipients");
  }
  if (!is_control_address(path->address, options_.hostname)) {
    // Never a relay (RFC 6409 §4.3 leaves the policy to the server): only control mail.
    return reply("550 5.7.1 feedpop does not relay mail; write to feedpop@" + options_.hostname +
                 " to manage your feeds");
  }
  recipients_.push_back(std::move(path->address));
  return reply("250 2.1.5 Recipient OK");
}

Action Session::cmd_data(const Args& args) {
  if (!args.empty()) {
    return bad("501 5.5.4 Syntax: DATA");
  }
  if (!mail_from_) {
    return bad("503 5.5.1 Need MAIL command");
  }
  if (recipients_.empty()) {
    return bad("554 5.5.1 No valid recipients"); // RFC 5321 §3.3
  }
  mode_ = Mode::Data;
  content_.clear();
  content_size_ = 0;
  line_too_long_ = false;
  bare_lf_ = false;
  return reply("354 End data with <CR><LF>.<CR><LF>");
}

Action Session::data_line(const LineReader::Result& r) {
  if (r.status == LineReader::Status::TooLong) {
    line_too_long_ = true; // the reader drops the rest of the line; refused at the end
    std::string().swap(content_);
    return Action::Continue;
  }
  std::string_view line = r.line;
  bare_lf_ = bare_lf_ || r.bare_lf;
  if (line == ".") {
    // A bare-LF "." ends the content too, so such a client is answered rather than left
    // waiting, but bare_lf_ then refuses the message (no guessing where it ends).
    return end_of_data();
  }
  if (!line.empty() && line.front() == '.') {
    line.remove_prefix(1); // RFC 5321 §4.5.2: transparency
  }
  content_size_ += line.size() + 2;
  if (content_size_ > options_.max_message_size || line_too_long_ || bare_lf_) {
    std::string().swap(content_); // still read to the end, keep nothing
    return Action::Continue;
  }
  content_.append(line);
  content_ += "\r\n";
  return Action::Continue;
}

Action Session::end_of_data() {
  mode_ = Mode::Command;
  std::string answer;
  if (bare_lf_) {
    answer =
        "554 5.6.0 Message refused: lines must end in CRLF, not a bare LF (RFC 5321 section 2.3.8)";
  } else if (content_size_ > options_.max_message_size) {
    answer = "552 5.3.4 Message size exceeds fixed limit of " +
             std::to_string(options_.max_message_size) + " octets";
  } else if (line_too_long_) {
    answer = "554 5.6.0 Message refused: a line is longer than " +
             std::to_string(options_.max_line_length) + " octets (RFC 5321 section 4.5.3.1.6)";
  } else {
    Submission s{*user_, *mail_from_, std::move(recipients_), std::move(content_), smtputf8_};
    try {
      answer = on_message_ ? on_message_(std::move(s)) : std::string();
    } catch (const std::exception& e) {
      stats_.end_reason = std::string("message handler: ") + e.what();
      answer.clear();
    }
    if (!valid_reply(answer)) {
      answer = "451 4.3.0 Message not processed, try again later";
    } else if (answer[0] == '2') {
      ++stats_.messages;
    }
  }
  const auto& m = metrics::handles();
  (answer[0] == '2' ? m.smtp_messages_accepted : m.smtp_messages_rejected).inc();
  reset_transaction();
  return reply(answer);
}

} // namespace feedpop::smtp
