#include "pop3/session.hpp"

#include <algorithm>
#include <utility>

#include "common/ascii.hpp"

namespace feedpop::pop3 {
namespace {

constexpr std::size_t read_buffer_size = 16 * 1024;

// One read buffer per thread, not per session: it is used only within one call, so idle
// sessions hold none and a RETR does not allocate (and zero) one per message.
char* scratch(std::size_t want) {
  thread_local std::string buffer;
  if (buffer.size() < want) {
    buffer.resize(want);
  }
  return buffer.data();
}

} // namespace

Session::Session(SessionOptions options, std::shared_ptr<Authenticator> authenticator,
                 std::shared_ptr<const SaslRegistry> sasl)
    : options_(std::move(options)), authenticator_(std::move(authenticator)),
      sasl_(std::move(sasl)) {}

Session::~Session() = default;

void Session::start() {
  // RFC 1939 §7: the APOP timestamp only when some user can use APOP at all, and APOP is
  // allowed on this connection (plaintext_auth: a sniffed digest is a dictionary attack).
  std::string greeting = "+OK feedpop ready.";
  if (authenticator_->has_plaintext_secrets() && plaintext_allowed()) {
    timestamp_ = make_challenge_token(options_.hostname);
    greeting += ' ';
    greeting += timestamp_;
  }
  ok(std::string_view(greeting).substr(4));
}

std::size_t Session::line_limit() const {
  return mechanism_ ? sasl_line_limit : command_line_limit;
}

Action Session::feed(std::string_view bytes) {
  reader_.feed(bytes);
  need_input_ = false;
  while (!finished_) {
    if (streaming() || out_.size() >= reply_queue_limit) {
      return Action::Continue; // the transport writes first (backpressure)
    }
    reader_.set_limit(line_limit());
    const auto r = reader_.next();
    if (r.status == LineReader::Status::NeedMore) {
      need_input_ = true;
      reader_.shrink();
      stats_.peak_output = std::max(stats_.peak_output, out_.size());
      return Action::Continue;
    }
    const Action action =
        r.status == LineReader::Status::TooLong ? on_line_too_long() : on_line(r.line);
    if (action == Action::StartTls) {
      // RFC 2595 §4 / RFC 8314: whatever the client pipelined after STLS came in
      // plaintext and is discarded, never executed inside TLS.
      reader_.discard_buffered();
      return action;
    }
    if (action == Action::Close || auth_attempt_) {
      return action; // an authentication verdict: the transport decides when it goes out
    }
  }
  return Action::Close;
}

Action Session::on_line(std::string_view line) {
  if (finished_) {
    return Action::Close;
  }
  ++stats_.commands;
  if (mechanism_) {
    try {
      const Action action = sasl_response(line);
      return finished_ ? Action::Close : action;
    } catch (const MaildropError& e) {
      mechanism_.reset();
      return storage_error(e);
    }
  }
  const auto space = line.find(' ');
  const std::string command = ascii::upper(line.substr(0, space));
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
  Action action = Action::Continue;
  try {
    action = dispatch(command, args, rest);
  } catch (const MaildropError& e) {
    mechanism_.reset();
    action = storage_error(e);
  }
  return finished_ ? Action::Close : action;
}

Action Session::on_line_too_long() {
  if (mechanism_) {
    mechanism_.reset();
    return auth_failed(mechanism_name_);
  }
  const Action action = bad("Line too long.");
  return finished_ ? Action::Close : action;
}

Action Session::ok(std::string_view text) {
  out_ += "+OK";
  if (!text.empty()) {
    out_ += ' ';
    out_.append(text);
  }
  out_ += "\r\n";
  return Action::Continue;
}

Action Session::err(std::string_view text) {
  out_ += "-ERR ";
  out_.append(text);
  out_ += "\r\n";
  return Action::Continue;
}

Action Session::bad(std::string_view text) {
  err(text);
  ++bad_commands_;
  const std::size_t limit = state_ == State::Authorization ? options_.max_bad_commands_before_login
                                                           : options_.max_bad_commands;
  if (bad_commands_ >= limit) {
    err("Too many bad commands.");
    stats_.end_reason = "too many bad commands";
    finished_ = true;
    return Action::Close;
  }
  return Action::Continue;
}

Action Session::storage_error(const MaildropError& e) {
  // RFC 2449 §8.1.2 (RFC 3206): a temporary failure the client may retry later.
  stats_.end_reason = std::string("storage error: ") + e.what();
  return err("[SYS/TEMP] Temporary storage failure, try again later.");
}

bool Session::take_auth_failure() {
  const auto attempt = take_auth_attempt();
  return attempt && !attempt->success;
}

void Session::on_tls_started() {
  options_.tls_active = true;
}

void Session::on_timeout() {
  stats_.end_reason = "autologout";
  finished_ = true;
  stream_.reset();
  err("Disconnected for inactivity."); // RFC 1939 §3: autologout, no UPDATE
}

std::string_view Session::next_output(std::size_t max) {
  chunk_.clear();
  chunk_.swap(out_);
  if (stream_) {
    fill_stream(chunk_, max);
  }
  stats_.bytes_out += chunk_.size();
  stats_.peak_output = std::max(stats_.peak_output, chunk_.size());
  if (out_.capacity() > 64 * 1024) {
    std::string().swap(out_); // keep idle sessions small
  }
  return chunk_;
}

Action Session::start_message(std::size_t index, MultilineWriter writer, std::string_view status) {
  // RFC 1939 §7: after +OK the message follows, complete. Its first bytes are read before
  // the +OK is promised; a read failure here throws MaildropError, which on_line answers
  // with -ERR [SYS/TEMP] while the session goes on.
  const auto size = maildrop_->messages()[index].size;
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(size, read_buffer_size));
  char* buffer = scratch(std::max<std::size_t>(want, 1));
  const std::size_t n = maildrop_->read_at(index, 0, buffer, want);
  ok(status);
  stream_.emplace(Stream{Stream::Kind::Message, index, 0, std::move(writer)});
  stream_bytes(std::string_view(buffer, n), out_);
  return Action::Continue;
}

void Session::fill_stream(std::string& out, std::size_t max) {
  if (stream_->kind != Stream::Kind::Message) {
    fill_listing(out, max);
    return;
  }
  const std::size_t want = std::min(max, read_buffer_size);
  char* buffer = scratch(want);
  while (stream_ && out.size() < max) {
    std::size_t n = 0;
    try {
      n = maildrop_->read_at(stream_->index, stream_->offset, buffer, want);
    } catch (const MaildropError& e) {
      // The +OK line has gone out already: the only honest reaction is to end the session
      // without the terminating ".", so the client sees an incomplete reply.
      stats_.end_reason = std::string("storage error during RETR: ") + e.what();
      stream_.reset();
      finished_ = true;
      return;
    }
    stream_bytes(std::string_view(buffer, n), out);
  }
}

void Session::stream_bytes(std::string_view data, std::string& out) {
  if (data.empty() || !stream_->writer.write(data, out)) {
    end_stream(out); // the end of the message, or TOP's line count reached
    return;
  }
  stream_->offset += data.size();
  if (stream_->offset >= maildrop_->messages()[stream_->index].size) {
    end_stream(out); // saves one read_at() that would return 0
  }
}

void Session::end_stream(std::string& out) {
  stream_->writer.finish(out);
  if (stream_->kind == Stream::Kind::Message) {
    ++stats_.retrieved;
  }
  stream_.reset();
}

} // namespace feedpop::pop3
