// TRANSACTION-state commands (RFC 1939 §5, §7) and QUIT (§4, §6).
#include <charconv>

#include "pop3/session.hpp"

namespace feedpop::pop3 {
namespace {

std::optional<std::uint64_t> parse_number(std::string_view s) {
  std::uint64_t value = 0;
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::optional<std::size_t> Session::message_arg(std::string_view arg) {
  const auto n = parse_number(arg);
  if (!n) {
    bad("Invalid message number.");
    return std::nullopt;
  }
  // RFC 1939 §5: numbers are 1-based; a message marked as deleted does not exist.
  if (*n == 0 || *n > deleted_.size()) {
    err("There is no such message.");
    return std::nullopt;
  }
  const auto index = static_cast<std::size_t>(*n - 1);
  if (deleted_[index]) {
    err("Message is deleted.");
    return std::nullopt;
  }
  return index;
}

Action Session::cmd_stat(const Request&) {
  std::size_t count = 0;
  std::uint64_t octets = 0;
  const auto& messages = maildrop_->messages();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!deleted_[i]) {
      ++count;
      octets += messages[i].size;
    }
  }
  return ok(std::to_string(count) + " " + std::to_string(octets));
}

Action Session::cmd_list(const Request& r) {
  const Args& args = r.args;
  const auto& messages = maildrop_->messages();
  if (args.size() > 1) {
    return bad("LIST takes at most one argument.");
  }
  if (args.size() == 1) {
    const auto index = message_arg(args[0]);
    if (!index) {
      return finished_ ? Action::Close : Action::Continue;
    }
    return ok(std::to_string(*index + 1) + " " + std::to_string(messages[*index].size));
  }
  std::size_t count = 0;
  std::uint64_t octets = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!deleted_[i]) {
      ++count;
      octets += messages[i].size;
    }
  }
  ok(std::to_string(count) + " messages (" + std::to_string(octets) + " octets)");
  stream_.emplace(Stream{Stream::Kind::List, 0, 0, MultilineWriter()});
  return Action::Continue;
}

Action Session::cmd_uidl(const Request& r) {
  const Args& args = r.args;
  const auto& messages = maildrop_->messages();
  if (args.size() > 1) {
    return bad("UIDL takes at most one argument.");
  }
  if (args.size() == 1) {
    const auto index = message_arg(args[0]);
    if (!index) {
      return finished_ ? Action::Close : Action::Continue;
    }
    std::string line = std::to_string(*index + 1);
    line += ' ';
    line += messages[*index].uidl;
    return ok(line);
  }
  ok("");
  stream_.emplace(Stream{Stream::Kind::Uidl, 0, 0, MultilineWriter()});
  return Action::Continue;
}

// LIST and UIDL listings stream like messages: a mailbox of thousands of entries, listed
// again and again by a pipelining client that never reads, holds one chunk at a time.
void Session::fill_listing(std::string& out, std::size_t max) {
  const auto& messages = maildrop_->messages();
  std::string line;
  for (auto& i = stream_->index; i < messages.size() && out.size() < max; ++i) {
    if (deleted_[i]) {
      continue;
    }
    line = std::to_string(i + 1);
    line += ' ';
    if (stream_->kind == Stream::Kind::List) {
      line += std::to_string(messages[i].size);
    } else {
      line += messages[i].uidl;
    }
    stream_->writer.write_line(line, out);
  }
  if (stream_->index == messages.size()) {
    end_stream(out);
  }
}

Action Session::cmd_retr(const Request& r) {
  const Args& args = r.args;
  if (args.size() != 1) {
    return bad("RETR needs a message number.");
  }
  const auto index = message_arg(args[0]);
  if (!index) {
    return finished_ ? Action::Close : Action::Continue;
  }
  return start_message(*index, MultilineWriter(),
                       std::to_string(maildrop_->messages()[*index].size) + " octets");
}

Action Session::cmd_top(const Request& r) {
  const Args& args = r.args;
  if (args.size() != 2) {
    return bad("TOP needs a message number and a line count.");
  }
  const auto lines = parse_number(args[1]);
  if (!lines) {
    return bad("Invalid line count.");
  }
  const auto index = message_arg(args[0]);
  if (!index) {
    return finished_ ? Action::Close : Action::Continue;
  }
  return start_message(*index, MultilineWriter(*lines), "");
}

Action Session::cmd_dele(const Request& r) {
  const Args& args = r.args;
  if (args.size() != 1) {
    return bad("DELE needs a message number.");
  }
  const auto index = message_arg(args[0]);
  if (!index) {
    return finished_ ? Action::Close : Action::Continue;
  }
  deleted_[*index] = true; // RFC 1939 §6: removed only in the UPDATE state
  return ok("Marked to be deleted.");
}

Action Session::cmd_rset(const Request&) {
  std::fill(deleted_.begin(), deleted_.end(), false);
  return ok(std::to_string(deleted_.size()) + " messages.");
}

Action Session::cmd_noop(const Request&) {
  return ok("");
}

Action Session::cmd_quit(const Request&) {
  finished_ = true;
  if (state_ != State::Transaction) {
    stats_.end_reason = "quit";
    return ok("Logging out.");
  }
  // RFC 1939 §6: UPDATE commits every mark at once.
  state_ = State::Update;
  std::vector<std::size_t> marked;
  for (std::size_t i = 0; i < deleted_.size(); ++i) {
    if (deleted_[i]) {
      marked.push_back(i);
    }
  }
  try {
    if (!marked.empty()) {
      maildrop_->commit(marked);
    }
  } catch (const MaildropError& e) {
    stats_.end_reason = std::string("storage error at QUIT: ") + e.what();
    return err("[SYS/TEMP] Some deleted messages were not removed.");
  }
  stats_.deleted = marked.size();
  stats_.end_reason = "quit";
  lock_.reset();
  return ok(marked.empty() ? "Logging out." : "Logging out, messages deleted.");
}

} // namespace feedpop::pop3
