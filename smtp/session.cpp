#include "smtp/session.hpp"

#include <algorithm>
#include <utility>

#include "common/ascii.hpp"

namespace feedpop::smtp {
namespace {

// Replies queued beyond this are flushed before more pipelined commands run (RFC 2920 §3.1
// lets the server answer a group in pieces); bounds a session whose client never reads.
constexpr std::size_t output_high_water = 16 * 1024;

} // namespace

Session::Session(SessionOptions options, std::shared_ptr<auth::CredentialStore> credentials,
                 std::shared_ptr<const auth::SaslRegistry> sasl, MessageHandler on_message)
    : options_(std::move(options)), credentials_(std::move(credentials)), sasl_(std::move(sasl)),
      on_message_(std::move(on_message)) {}

Session::~Session() = default;

void Session::start() {
  // RFC 5321 §4.2 / RFC 2034 §3: the greeting carries no enhanced status code.
  reply("220 " + options_.hostname + " ESMTP feedpop");
}

std::size_t Session::line_limit() const {
  return mode_ == Mode::Data ? options_.max_line_length : command_line_limit;
}

Action Session::feed(std::string_view bytes) {
  if (finished_) {
    return Action::Close;
  }
  stats_.bytes_in += bytes.size();
  reader_.feed(bytes);
  return process();
}

Action Session::process() {
  paused_ = false;
  for (;;) {
    reader_.set_limit(line_limit());
    const auto r = reader_.next();
    if (r.status == LineReader::Status::NeedMore) {
      return Action::Continue;
    }
    ++stats_.lines;
    const std::size_t attempts = stats_.auth_attempts;
    Action action = Action::Continue;
    if (mode_ == Mode::Data) {
      action = data_line(r);
    } else if (r.status == LineReader::Status::TooLong) {
      if (mode_ == Mode::Sasl) {
        exchange_.reset();
        mode_ = Mode::Command;
      }
      action = bad("500 5.5.2 Line too long");
    } else if (mode_ == Mode::Sasl) {
      action = sasl_line(r.line);
    } else {
      action = command_line(r.line);
    }
    if (action == Action::Close || finished_) {
      finished_ = true;
      return Action::Close;
    }
    if (action == Action::StartTls) {
      // RFC 3207 §4.2 / RFC 8314: anything pipelined behind STARTTLS arrived in plaintext
      // and is discarded, never executed inside TLS.
      reader_.discard_buffered();
      return Action::StartTls;
    }
    if (stats_.auth_attempts != attempts || out_.size() >= output_high_water) {
      paused_ = reader_.buffered() > 0;
      return Action::Continue;
    }
  }
}

Action Session::command_line(std::string_view line) {
  ++stats_.commands;
  const auto space = line.find(' ');
  const std::string verb = ascii::upper(line.substr(0, space));
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  Args args;
  for (std::size_t pos = 0; pos < rest.size();) {
    const auto next = rest.find(' ', pos);
    const auto end = next == std::string_view::npos ? rest.size() : next;
    if (end > pos) {
      args.push_back(rest.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  return dispatch(verb, rest, args);
}

Action Session::dispatch(std::string_view verb, std::string_view rest, const Args& args) {
  if (verb == "QUIT") {
    stats_.end_reason = "quit";
    reply("221 2.0.0 Bye");
    return Action::Close;
  }
  if (verb == "NOOP") {
    return reply("250 2.0.0 OK"); // RFC 5321 §4.1.1.9: any argument is ignored
  }
  if (verb == "RSET") {
    if (!args.empty()) {
      return bad("501 5.5.4 Syntax: RSET");
    }
    reset_transaction();
    return reply("250 2.0.0 OK");
  }
  if (verb == "EHLO" || verb == "HELO") {
    return cmd_ehlo(args, verb == "EHLO");
  }
  if (verb == "STARTTLS") {
    return cmd_starttls(args);
  }
  if (verb == "AUTH") {
    return cmd_auth(args);
  }
  if (verb == "MAIL") {
    return cmd_mail(rest);
  }
  if (verb == "RCPT") {
    return cmd_rcpt(rest);
  }
  if (verb == "DATA") {
    return cmd_data(args);
  }
  if (verb == "VRFY") {
    if (args.empty()) {
      return bad("501 5.5.4 Syntax: VRFY address");
    }
    // RFC 5321 §3.5.3: 252 when the server will not verify; nothing is revealed.
    return reply("252 2.5.0 Cannot verify users; write to feedpop@" + options_.hostname);
  }
  if (verb == "HELP") {
    return cmd_help();
  }
  if (verb == "EXPN" || verb == "BDAT" || verb == "ETRN" || verb == "TURN") {
    // Not offered in EHLO; a BDAT client would go on with binary chunks, so it is counted.
    return bad("502 5.5.1 " + std::string(verb) + " not implemented");
  }
  return bad("500 5.5.2 Command unrecognized");
}

Action Session::reply(std::string_view line) {
  out_.append(line);
  out_ += "\r\n";
  return Action::Continue;
}

Action Session::bad(std::string_view line) {
  reply(line);
  if (++bad_commands_ >= options_.max_bad_commands) {
    reply("421 4.7.0 " + options_.hostname + " Too many errors, closing connection");
    stats_.end_reason = "too many bad commands";
    finished_ = true;
    return Action::Close;
  }
  return Action::Continue;
}

std::optional<AuthAttempt> Session::take_auth_attempt() {
  return std::exchange(auth_attempt_, std::nullopt);
}

void Session::refuse_auth_attempt() {
  out_.resize(std::min(verdict_at_, out_.size()));
  reply("421 4.7.0 " + options_.hostname + " Too many authentication attempts, try later");
  stats_.end_reason = "authentication attempts refused by the throttle";
  finished_ = true;
}

void Session::on_tls_started() {
  // RFC 3207 §4.2: discard any knowledge obtained from the client; it must EHLO again.
  options_.tls_active = true;
  helo_.reset();
  extended_ = false;
  user_.reset();
  exchange_.reset();
  mode_ = Mode::Command;
  reset_transaction();
  reader_.discard_buffered();
}

void Session::on_timeout() {
  if (finished_) {
    return;
  }
  reply("421 4.4.2 " + options_.hostname + " Timeout, closing connection");
  stats_.end_reason = "timeout";
  finished_ = true;
}

std::string_view Session::next_output() {
  chunk_.clear();
  chunk_.swap(out_);
  stats_.bytes_out += chunk_.size();
  if (out_.capacity() > 64 * 1024) {
    std::string().swap(out_); // keep idle sessions small
  }
  return chunk_;
}

} // namespace feedpop::smtp
