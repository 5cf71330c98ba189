#pragma once
// Commands by mail: what a user writes to feedpop@HOST, parsed into commands (a pure
// function; the gateway carries them out and mails the reply).
//
// The subject or the first non-empty lines of the first text/plain body hold commands, one
// per line, case-insensitive:
//
//   subscribe URL [as KEY] [tag TAG...]   unsubscribe KEY   pause KEY   resume KEY
//   list   export   import (with an OPML attachment)   help
//
// A subject that starts with a command word is a command (a "Re:"/"Fwd:" prefix is
// dropped); any other subject is ignored. In the body, quoted lines (">") and empty lines
// are skipped; a signature delimiter ("-- ", RFC 3676 §4.3) or the first line that does not
// start with a command word ends the commands (a greeting, a reply's quoted original). A
// line that starts with a command word but is malformed gives an error naming the line and
// what is wrong; the other lines still count.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace feedpop::smtp {

struct MailCommand {
  enum class Kind { Subscribe, Unsubscribe, Pause, Resume, List, Export, Import, Help };
  Kind kind = Kind::Help;
  std::string url;               // subscribe
  std::string key;               // subscribe's "as KEY" (may be empty), unsubscribe/pause/resume
  std::vector<std::string> tags; // subscribe
  std::string line;              // the line as written, for the reply
};

struct MailCommandError {
  std::string line;    // the line as written
  std::string message; // what is wrong and how to write it
};

struct CommandMail {
  std::vector<MailCommand> commands;
  std::vector<MailCommandError> errors;
  std::optional<std::string> opml;      // an OPML attachment, decoded (for import)
  std::optional<std::string> opml_name; // its file name, if given
  std::string subject;                  // decoded, for the reply's "Re:"
  std::string message_id;               // for the reply's In-Reply-To/References
};

// At most this many commands are taken from one mail; more is an error.
inline constexpr std::size_t max_mail_commands = 50;

CommandMail parse_command_mail(std::string_view message);

struct NotACommand {};
// One line ("subscribe https://example.org/feed as ex tag news"): NotACommand unless it
// starts with a command word; otherwise the command or what is wrong with it.
std::variant<NotACommand, MailCommand, MailCommandError> parse_command_line(std::string_view line);

// A feed key usable in mail addresses, as feeds.yaml requires: letters, digits, '.', '_'
// and '-', at most 64, no leading, trailing or double dot.
bool is_valid_feed_key(std::string_view key);

} // namespace feedpop::smtp
