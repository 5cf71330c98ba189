// Fuzzes the POP3 session state machine with arbitrary client byte streams, including
// AUTH exchanges (issue 9): the input goes through the real line framing, every output is
// drained, and the session must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "pop3/line_reader.hpp"
#include "pop3/session.hpp"
#include "tests/pop3/memory_maildrop.hpp"

using namespace feedpop::pop3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto store = testing::make_standard_store();
  static const auto sasl = std::make_shared<const SaslRegistry>(SaslRegistry::with_defaults());
  store->reset_deletions();
  SessionOptions options;
  options.loopback = (size % 2) == 0; // both plaintext_auth outcomes
  options.tls_available = true;
  options.locks = std::make_shared<SessionLocks>();
  Session session(options, std::make_shared<testing::MemoryAuthenticator>(store), sasl);
  session.start();
  while (session.has_output()) {
    (void)session.next_output();
  }
  LineReader reader;
  reader.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  while (!session.finished()) {
    reader.set_limit(session.line_limit());
    auto line = reader.next();
    Action action = Action::Continue;
    if (line.status == LineReader::Status::Line) {
      action = session.on_line(line.line);
    } else if (line.status == LineReader::Status::TooLong) {
      action = session.on_line_too_long();
    } else {
      break;
    }
    while (session.has_output()) {
      (void)session.next_output();
    }
    if (action == Action::StartTls) {
      session.on_tls_started();
    } else if (action == Action::Close) {
      break;
    }
    (void)session.take_auth_failure();
  }
  return 0;
}
