#pragma once
// Control mail: a user's mail to feedpop@HOSTNAME (accepted by smtp::Server) carried out by
// the subscription service, and the answer delivered into the user's own POP3 mailbox as
// an entry of their control feed (gateway/user_feeds.hpp), so it is listed, retrieved and
// deleted like any other message.
//
// The reply is a complete RFC 5322 message from feedpop@HOSTNAME, "Re:" the command mail's
// subject, In-Reply-To/References its Message-ID, text/plain UTF-8 (quoted-printable),
// with the OPML file attached (multipart/mixed) for `export`.

#include <chrono>
#include <optional>
#include <string>

#include "gateway/subscriptions.hpp"
#include "smtp/mail_command.hpp"
#include "storage/store.hpp"

namespace feedpop::gateway {

struct ControlReply {
  std::string text;                // the reply's body
  std::optional<std::string> opml; // an attachment (export)
  std::size_t done = 0;            // commands that succeeded
  std::size_t failed = 0;          // commands (or lines) that did not
};

// Carries out every command of the mail, in order.
ControlReply run_commands(Subscriptions& service, const std::string& user,
                          const smtp::CommandMail& mail);

// The reply as message bytes (CRLF). `now` stamps Date:; `token` makes the Message-ID unique.
std::string render_reply(const ControlReply& reply, const smtp::CommandMail& mail,
                         const std::string& user, const std::string& hostname,
                         std::chrono::sys_seconds now, const std::string& token);

// Stores `message` as a new entry of the user's control feed (identity `token`).
void deliver_reply(storage::Store& store, const std::string& user, const std::string& token,
                   const std::string& message, std::chrono::sys_seconds now);

} // namespace feedpop::gateway
