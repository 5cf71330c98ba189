// Fuzzes the POP3 session state machine with arbitrary client byte streams, including
// AUTH exchanges: the input goes through Session::feed (the transport's entry point),
// every output is drained, and the session must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

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
  // The transport's loop: feed, write everything, go on until the session wants input.
  Action action = session.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  for (;;) {
    (void)session.take_auth_failure();
    while (session.has_output()) {
      (void)session.next_output();
    }
    if (action == Action::Close || session.finished() || session.wants_input()) {
      break;
    }
    if (action == Action::StartTls) {
      session.on_tls_started(); // what followed STLS has been discarded (RFC 2595 §4)
    }
    action = session.feed({});
  }
  return 0;
}
