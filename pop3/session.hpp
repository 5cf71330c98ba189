#pragma once
// The POP3 protocol engine, without sockets (STYLE.md §2). The transport hands it the bytes
// it reads and writes whatever the session yields; the session frames lines itself
// (LineReader), as Beast's parsers take buffers:
//
//   session.start();                            // queues the greeting
//   Action a = session.feed(bytes);             // runs the complete commands among them
//   while (session.has_output()) write(session.next_output());
//   if (a == Action::Continue && !session.wants_input()) a = session.feed({}); // go on
//
// Output is pull-based: RETR/TOP/LIST/UIDL queue their status line and then yield the
// reply one buffer at a time from next_output(), so the transport co_awaits each write
// (backpressure) and never holds a whole reply. feed() runs no further command while a
// reply streams or while reply_queue_limit octets of small replies wait (RFC 2449 §6.6
// pipelining still batches small replies): a client that pipelines and never reads holds
// a bounded amount of output (SessionStats::peak_output), and its transport stops reading.
//
// States carry RFC 1939's names. DELE only marks; QUIT in TRANSACTION enters UPDATE and
// commits every mark with one Maildrop::commit() call; a dropped connection (the session
// destroyed without QUIT) commits nothing.
//
// Client mistakes are -ERR replies, never exceptions. MaildropError becomes
// "-ERR [SYS/TEMP]". Threading: one session is used by one thread at a time.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sasl.hpp"
#include "pop3/line_reader.hpp"
#include "pop3/maildrop.hpp"
#include "pop3/multiline_writer.hpp"
#include "pop3/session_locks.hpp"

namespace feedpop::pop3 {

using auth::make_challenge_token;
using auth::SaslEnv;
using auth::SaslMechanism;
using auth::SaslMechanismInfo;
using auth::SaslRegistry;
using auth::SaslStep;

enum class PlaintextAuth { never, local, always };
enum class State { Authorization, Transaction, Update };
// What the transport does after a command: go on, close the connection after writing the
// output, or (STLS, RFC 2595 §4) write the output, drop buffered input and start TLS.
enum class Action { Continue, Close, StartTls };

// Queued small replies past which feed() runs no further command until they are written.
// With one streamed chunk (next_output's `max`, stuffed) on top, a session holds at most
// about 200 KiB of output; RELIABILITY.md states 256 KiB.
inline constexpr std::size_t reply_queue_limit = 64 * 1024;

struct SessionOptions {
  std::string hostname = "localhost";
  PlaintextAuth plaintext_auth = PlaintextAuth::local;
  bool loopback = false;             // the peer is on a loopback address (plaintext_auth: local)
  bool tls_active = false;           // implicit TLS, or after STLS
  bool tls_available = false;        // STLS may be offered
  std::size_t max_bad_commands = 20; // as Dovecot: then close
  std::size_t max_bad_commands_before_login = 3; // ditto, in AUTHORIZATION
  std::optional<unsigned> expire_days;           // CAPA EXPIRE; else the authenticator's
  std::shared_ptr<SessionLocks> locks;           // set: lock_session (RFC 1939 §4)
  std::string implementation = "feedpop";        // CAPA IMPLEMENTATION (after login only)
  std::size_t max_auth_failures = 3;             // then close (parallel guessing, issue 16)
};

struct SessionStats {
  std::string user;
  std::size_t commands = 0;
  std::size_t retrieved = 0;   // RETR/TOP replies streamed
  std::size_t peak_output = 0; // most octets of output held at once (queued or in a chunk)
  std::uint64_t bytes_out = 0; // octets yielded by next_output()
  std::size_t deleted = 0;     // committed at QUIT
  std::size_t auth_failures = 0;
  std::string end_reason; // "quit", "bad commands", "storage error", ...
};

class Session {
public:
  Session(SessionOptions options, std::shared_ptr<Authenticator> authenticator,
          std::shared_ptr<const SaslRegistry> sasl);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start(); // queues the greeting
  // Takes client bytes and runs the complete command lines buffered so far, in order. It
  // returns early, keeping the rest buffered, when the transport must act before the next
  // command: output streams or reply_queue_limit is reached (write it), an authentication
  // was decided (take_auth_attempt(): the verdict may be delayed, RFC 1939 §8), Close, or
  // StartTls. On StartTls the session itself discards everything buffered after STLS
  // (RFC 2595 §4: never executed inside TLS). Call feed({}) to go on; read more bytes only
  // when wants_input().
  Action feed(std::string_view bytes);
  // True when every buffered complete line has run: the transport may read again.
  bool wants_input() const { return need_input_ && !finished_; }
  // Runs one command line or SASL response (no CRLF), bypassing the framing (unit tests).
  Action on_line(std::string_view line);
  std::size_t line_limit() const; // limit for the next line (SASL responses get more)
  // The next chunk of output (at most about `max` octets of message data plus queued
  // replies); valid until the next call. Empty when nothing is pending.
  std::string_view next_output(std::size_t max = 64 * 1024);
  bool has_output() const { return !out_.empty() || stream_.has_value(); }
  bool streaming() const { return stream_.has_value(); }
  // True once the session must end (QUIT, too many bad commands, storage failure mid-RETR).
  bool finished() const { return finished_; }
  // True (once) when the last command was a failed authentication: the transport delays
  // the reply (RFC 1939 §8's advice; at least one second, growing per address).
  bool take_auth_failure();
  // The last command's authentication attempt, once: the name tried (empty if none) and
  // the verdict. The transport asks auth::Throttle when that reply may go out.
  struct AuthAttempt {
    std::string user;
    bool success = false;
  };
  std::optional<AuthAttempt> take_auth_attempt();
  // After the STLS handshake: the session continues in AUTHORIZATION over TLS.
  void on_tls_started();
  // The transport ends a session it idles out (RFC 1939 §3 autologout): no UPDATE.
  void on_timeout();

  State state() const { return state_; }
  const SessionStats& stats() const { return stats_; }
  const std::string& apop_timestamp() const { return timestamp_; }

private:
  // A multi-line reply being streamed: a message (RETR/TOP) or a listing (LIST/UIDL).
  struct Stream {
    enum class Kind { Message, List, Uidl } kind;
    std::size_t index; // the message being sent, or the next listing entry
    std::uint64_t offset = 0;
    MultilineWriter writer;
  };
  using Args = std::vector<std::string_view>;

  Action on_line_too_long(); // LineReader reported TooLong

  // A command's arguments: the words after the verb, and the whole rest of the line (PASS
  // takes a password with spaces, RFC 1939 §7).
  struct Request {
    const Args& args;
    std::string_view rest;
  };
  // How CAPA lists a verb under its own name (RFC 2449 §6): always, or only where it may be
  // used on this connection now.
  enum class Capability { None, Always, WhenPlaintext, WhenStls };
  // One verb of the command table (commands.cpp), as Dovecot's pop3_commands[]: its name,
  // the states it is valid in, what CAPA says of it, and its handler. Dispatch and CAPA read
  // the table; no verb is named anywhere else.
  struct Command {
    std::string_view name;
    bool in_authorization;
    bool in_transaction;
    Capability capability;
    Action (Session::*handler)(const Request&);
  };
  static std::span<const Command> commands();
  Action dispatch(std::string_view verb, const Args& args, std::string_view rest);
  bool offered(Capability capability) const;

  // AUTHORIZATION (authorization_commands.cpp)
  Action cmd_capa(const Request&);
  Action cmd_user(const Request&);
  Action cmd_pass(const Request&);
  Action cmd_apop(const Request&);
  Action cmd_auth(const Request&);
  Action cmd_stls(const Request&);
  Action sasl_response(std::string_view line);
  Action sasl_result(SaslStep step);
  Action login(std::string_view user);
  // Counts the failure by mechanism ("USER", "APOP", a SASL name) for /metrics.
  Action auth_failed(std::string_view mechanism, std::string_view user = {});
  bool plaintext_allowed() const;
  bool mechanism_allowed(const SaslMechanismInfo& m) const;

  // TRANSACTION (transaction_commands.cpp)
  Action cmd_stat(const Request&);
  Action cmd_list(const Request&);
  Action cmd_uidl(const Request&);
  Action cmd_retr(const Request&);
  Action cmd_top(const Request&);
  Action cmd_dele(const Request&);
  Action cmd_rset(const Request&);
  Action cmd_noop(const Request&);
  Action cmd_quit(const Request&);
  std::optional<std::size_t> message_arg(std::string_view arg); // replies -ERR itself

  Action ok(std::string_view text);
  Action err(std::string_view text); // -ERR, not counted
  Action bad(std::string_view text); // -ERR, counted as a bad command
  Action storage_error(const MaildropError& e);
  Action start_message(std::size_t index, MultilineWriter writer, std::string_view status);
  void fill_stream(std::string& out, std::size_t max);
  void fill_listing(std::string& out, std::size_t max);
  void stream_bytes(std::string_view data, std::string& out);
  void end_stream(std::string& out);

  SessionOptions options_;
  std::shared_ptr<Authenticator> authenticator_;
  std::shared_ptr<const SaslRegistry> sasl_;
  State state_ = State::Authorization;
  std::string timestamp_;           // APOP greeting token; empty = APOP not offered
  std::optional<std::string> user_; // after USER
  std::unique_ptr<SaslEnv> sasl_env_;
  std::unique_ptr<SaslMechanism> mechanism_; // an AUTH exchange in progress
  std::string mechanism_name_;               // its name, for the failures metric
  std::unique_ptr<Maildrop> maildrop_;
  std::optional<SessionLocks::Guard> lock_;
  std::vector<bool> deleted_;
  std::size_t bad_commands_ = 0;
  std::optional<AuthAttempt> auth_attempt_;
  bool finished_ = false;
  bool need_input_ = true;
  LineReader reader_;
  std::string out_;
  std::string chunk_;
  std::optional<Stream> stream_;
  SessionStats stats_;
};

} // namespace feedpop::pop3
