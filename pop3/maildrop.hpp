#pragma once
// What the POP3 engine needs from a mail store (STYLE.md §1: the interface lives with its
// user). The gateway adapts storage::Store to these; pop3/ knows nothing of SQL or feeds.
//
// Threading: a Maildrop belongs to one session and is used from one thread at a time.
// Errors: read_at() and commit() throw MaildropError on a storage failure; the session turns
// that into "-ERR [SYS/TEMP]", never a crash or a wrong answer.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credentials.hpp"

namespace feedpop::pop3 {

using auth::Credentials;
using auth::ScramVerifier;

class MaildropError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

struct MessageInfo {
  // RFC 1939 §7: 1–70 characters 0x21–0x7E. The bytes belong to the Maildrop and stay
  // valid as long as it (a mailbox of thousands of messages holds no string per message).
  std::string_view uidl;
  std::uint64_t size; // exact octets RETR sends before dot-stuffing, CRLF line ends
};

// A snapshot taken at login (RFC 1939 §4): message i (0-based index) is number i+1.
class Maildrop {
public:
  virtual ~Maildrop() = default;
  virtual const std::vector<MessageInfo>& messages() const = 0;
  // The one read path: copies up to `max` octets of message `index`, starting at `offset`,
  // into `dest` and returns how many (0 at the end of the message). The session pulls
  // RETR/TOP one buffer at a time and writes each before asking for the next, so a store
  // serves any offset directly and never holds a whole message for a session.
  // Throws MaildropError on a storage failure.
  virtual std::size_t read_at(std::size_t index, std::uint64_t offset, char* dest,
                              std::size_t max) = 0;
  // RFC 1939 §6: commits every marked deletion at once, in the UPDATE state.
  virtual void commit(const std::vector<std::size_t>& deleted_indexes) = 0;
};

// Users (their credentials: auth::CredentialStore::lookup) and their mailboxes.
// Thread-safe: called from every io thread. The session treats unknown users and wrong
// passwords identically (same delay, same reply).
class Authenticator : public auth::CredentialStore {
public:
  // Opens the snapshot of an authenticated user. Throws MaildropError on storage failure.
  virtual std::unique_ptr<Maildrop> open(std::string_view user) = 0;
  // Days after which messages may be purged, for CAPA EXPIRE (RFC 2449 §6.7); nullopt = NEVER.
  virtual std::optional<unsigned> expire_days() const { return std::nullopt; }
};

} // namespace feedpop::pop3
