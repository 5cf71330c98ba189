// Fuzzes the parser of commands by mail (headers, MIME multipart, quoted-printable,
// base64, encoded-words, format=flowed, the command grammar) with arbitrary messages. It
// must never crash, leak or hang, and what it returns must hold its own invariants.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtp/mail_command.hpp"

using namespace feedpop::smtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const CommandMail mail = parse_command_mail(message);
  if (mail.commands.size() > max_mail_commands) {
    std::abort();
  }
  for (const auto& c : mail.commands) {
    if (c.kind == MailCommand::Kind::Subscribe && c.url.empty()) {
      std::abort();
    }
    if ((c.kind == MailCommand::Kind::Unsubscribe || c.kind == MailCommand::Kind::Pause ||
         c.kind == MailCommand::Kind::Resume) &&
        !is_valid_feed_key(c.key)) {
      std::abort();
    }
    if (c.kind == MailCommand::Kind::Import && !mail.opml) {
      std::abort();
    }
  }
  return 0;
}
