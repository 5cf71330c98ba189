// Fuzzes the SMTP session with arbitrary client byte streams, fed in pieces whose sizes
// come from the input: framing, DATA unstuffing, AUTH exchanges, STARTTLS resets. Every
// accepted message goes through the mail-command parser too. The session must never
// crash, leak or hang, and its queued output stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "smtp/mail_command.hpp"
#include "smtp/session.hpp"
#include "tests/smtp/test_credentials.hpp"

using namespace feedpop::smtp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto credentials = std::make_shared<testing::TestCredentials>();
  static const auto sasl = std::make_shared<const feedpop::auth::SaslRegistry>(
      feedpop::auth::SaslRegistry::with_defaults());
  if (size == 0) {
    return 0;
  }
  const std::uint8_t flags = data[0];
  SessionOptions options;
  options.hostname = "test.example";
  options.loopback = (flags & 1) != 0; // both plaintext_auth outcomes
  options.tls_available = (flags & 2) != 0;
  options.tls_active = (flags & 4) != 0;
  options.max_message_size = 4096;
  options.max_line_length = 256;
  const std::size_t piece = 1 + (flags >> 3) * 7; // 1..218 octets per read
  Session session(options, credentials, sasl, [](Submission&& s) {
    const auto mail = parse_command_mail(s.content);
    return "250 2.0.0 " + std::to_string(mail.commands.size()) + " commands";
  });
  session.start();
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (!input.empty() && !session.finished()) {
    const auto chunk = input.substr(0, piece);
    input.remove_prefix(chunk.size());
    Action action = session.feed(chunk);
    for (;;) {
      while (session.has_output()) {
        if (session.next_output().size() > 64 * 1024) {
          std::abort(); // the high-water mark must bound queued replies
        }
      }
      if (const auto attempt = session.take_auth_attempt(); attempt && (flags & 0x80) != 0) {
        session.refuse_auth_attempt();
      }
      if (action == Action::StartTls) {
        session.on_tls_started();
      }
      if (action == Action::Close || !session.paused()) {
        break;
      }
      action = session.feed({});
    }
  }
  session.on_timeout();
  (void)session.next_output();
  return 0;
}
