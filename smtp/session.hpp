#pragma once
// The SMTP submission engine (RFC 5321, RFC 6409), without sockets (STYLE.md §2). The
// transport feeds whatever bytes arrive and writes whatever the session yields:
//
//   session.start();                              // queues the 220 greeting
//   auto action = session.feed(bytes);            // frames lines, runs commands, DATA
//   while (session.has_output()) write(session.next_output());
//   while (session.paused()) { throttle take_auth_attempt(); flush; action = session.feed({}); }
//
// The session owns its line framing because DATA changes it: after "354" the bytes are
// message content (dot-unstuffed, RFC 5321 §4.5.2), and commands pipelined behind DATA
// (RFC 2920) must wait until the content ends. feed() stops early (paused() is true) after
// an authentication verdict, which the transport sends only when auth::Throttle allows
// (or replaces with refuse_auth_attempt()), and when the queued replies pass a high-water
// mark (a client pipelining without reading cannot grow them unbounded); the transport
// flushes, waits if told, and calls feed({}) to go on with buffered input.
//
// Nothing is relayed or queued: mail is accepted only from an authenticated user, only to
// the control addresses (feedpop@, subscribe@, unsubscribe@ the hostname), and handed to
// `on_message`, whose reply line goes to the client as the answer to the final ".".
//
// Replies carry enhanced status codes (RFC 2034, RFC 3463) except where RFC 2034 §3
// exempts them (the greeting, EHLO/HELO) and the 334/354 intermediates. Client mistakes
// are replies, never exceptions. Threading: one session is used by one thread at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"
#include "auth/sasl.hpp"
#include "smtp/line_reader.hpp"

namespace feedpop::smtp {

enum class PlaintextAuth { never, local, always };
// What the transport does after feed(): go on, close after writing the output, or
// (STARTTLS, RFC 3207) write the output and start TLS; the session has already dropped
// any input buffered behind the command.
enum class Action { Continue, Close, StartTls };

// RFC 5321 §4.5.3.1.4 sets 512 octets for a command line; RFC 4954 §4 raises it to 12288
// for AUTH and its responses, and one limit for all command lines keeps framing simple.
inline constexpr std::size_t command_line_limit = 12288;

struct SessionOptions {
  std::string hostname = "localhost"; // greeting, EHLO, and the control addresses' domain
  PlaintextAuth plaintext_auth = PlaintextAuth::local;
  bool loopback = false;      // the peer is on a loopback address (plaintext_auth: local)
  bool tls_active = false;    // implicit TLS, or after STARTTLS
  bool tls_available = false; // STARTTLS may be offered
  std::size_t max_message_size = 1024 * 1024; // octets after dot-unstuffing (SIZE, RFC 1870)
  std::size_t max_recipients = 10;            // then 452 4.5.3 (RFC 5321 §4.5.3.1.8)
  // RFC 5321 §4.5.3.1.6: 1000 octets per text line including CRLF; accepted with a
  // tolerance because some clients exceed it, then the message is refused.
  std::size_t max_line_length = 4096;
  std::size_t max_bad_commands = 10; // then 421 and close (as Postfix's smtpd_hard_error_limit)
  std::size_t max_auth_failures = 3; // then 421 and close: frees the slot a guesser holds
};

// An authentication verdict the transport must throttle before it goes out.
struct AuthAttempt {
  std::string user; // the name tried (empty when the mechanism never got that far)
  bool success = false;
};

// An accepted message, as handed to the callback.
struct Submission {
  std::string user;                    // the authenticated user (SASL authorization identity)
  std::string mail_from;               // reverse path ("" for <>)
  std::vector<std::string> recipients; // control addresses, as the client wrote them
  std::string content;                 // message octets, dot-unstuffed, CRLF line ends
  bool smtputf8 = false;               // MAIL FROM carried SMTPUTF8 (RFC 6531)
};
// Returns the complete reply to the final "." (e.g. "250 2.0.0 3 commands done"), without
// CRLF. Anything not starting with a 2xx/4xx/5xx code becomes "451 4.3.0".
using MessageHandler = std::function<std::string(Submission&&)>;

struct SessionStats {
  std::string user;
  std::size_t commands = 0;
  std::uint64_t lines = 0;       // complete lines taken in (commands, SASL, content): progress
  std::size_t messages = 0;      // accepted by the handler (2xx)
  std::uint64_t bytes_in = 0;    // octets fed
  std::uint64_t bytes_out = 0;   // octets yielded by next_output()
  std::size_t auth_attempts = 0; // verdicts given (successes and failures)
  std::size_t auth_failures = 0;
  std::string end_reason; // "quit", "too many bad commands", "timeout", ...
};

class Session {
public:
  Session(SessionOptions options, std::shared_ptr<auth::CredentialStore> credentials,
          std::shared_ptr<const auth::SaslRegistry> sasl, MessageHandler on_message);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(); // queues the greeting
  Action feed(std::string_view bytes);
  bool paused() const { return paused_; }
  std::string_view next_output(); // valid until the next call; empty when nothing is pending
  bool has_output() const { return !out_.empty(); }
  bool finished() const { return finished_; }
  // The last verdict (once): the transport asks auth::Throttle when it may go out.
  std::optional<AuthAttempt> take_auth_attempt();
  // The throttle refused the attempt: the queued verdict is replaced by 421 and the
  // session ends, so a guesser learns nothing from an attempt over the limit.
  void refuse_auth_attempt();
  // After the STARTTLS handshake: RFC 3207 §4.2, everything learnt before is forgotten.
  void on_tls_started();
  // The transport ends an idle session (RFC 5321 §4.5.3.2): 421 and close.
  void on_timeout();
  // After a successful AUTH; the transport picks its timeout (login vs idle) from it.
  bool authenticated() const { return user_.has_value(); }
  const SessionStats& stats() const { return stats_; }

private:
  enum class Mode { Command, Sasl, Data };
  using Args = std::vector<std::string_view>;

  Action process();
  Action command_line(std::string_view line);
  Action dispatch(std::string_view verb, std::string_view rest, const Args& args);

  // Greeting, EHLO, STARTTLS, AUTH (session_commands.cpp)
  Action cmd_ehlo(const Args& args, bool extended);
  Action cmd_starttls(const Args& args);
  Action cmd_auth(const Args& args);
  Action sasl_line(std::string_view line);
  Action sasl_step(std::optional<std::string_view> response);
  Action sasl_result(auth::SaslStep step);
  Action auth_failed(std::string user); // counted by mechanism for /metrics
  Action cmd_help();
  bool plaintext_allowed() const;
  bool mechanism_allowed(const auth::SaslMechanismInfo& m) const;

  // The mail transaction (transaction_commands.cpp)
  Action cmd_mail(std::string_view rest);
  Action cmd_rcpt(std::string_view rest);
  Action cmd_data(const Args& args);
  Action data_line(const LineReader::Result& r);
  Action end_of_data();
  void reset_transaction();

  Action reply(std::string_view line); // one complete reply line, CRLF added
  Action bad(std::string_view line);   // a reply counted as a bad command
  std::size_t line_limit() const;

  SessionOptions options_;
  std::shared_ptr<auth::CredentialStore> credentials_;
  std::shared_ptr<const auth::SaslRegistry> sasl_;
  MessageHandler on_message_;
  LineReader reader_{command_line_limit};
  Mode mode_ = Mode::Command;
  std::optional<std::string> helo_; // the client's EHLO/HELO argument
  bool extended_ = false;           // EHLO (not HELO): extensions may be used
  std::optional<std::string> user_;
  std::unique_ptr<auth::SaslEnv> sasl_env_;
  std::unique_ptr<auth::SaslMechanism> exchange_; // an AUTH exchange in progress
  std::string mechanism_name_;                    // its name, for the failures metric
  // The mail transaction (RFC 5321 §3.3)
  std::optional<std::string> mail_from_;
  bool smtputf8_ = false;
  std::vector<std::string> recipients_;
  std::string content_;
  std::uint64_t content_size_ = 0; // octets counted, also past the limit
  bool line_too_long_ = false;
  bool bare_lf_ = false;

  std::size_t bad_commands_ = 0;
  std::optional<AuthAttempt> auth_attempt_;
  std::size_t verdict_at_ = 0; // offset in out_ where the last verdict starts
  bool paused_ = false;
  bool finished_ = false;
  std::string out_;
  std::string chunk_;
  SessionStats stats_;
};

} // namespace feedpop::smtp
