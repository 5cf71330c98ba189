#pragma once
// An in-memory mail store for the POP3 tests and the test server: users with credentials
// and messages, RFC 1939 snapshot semantics, and switches that make storage calls fail
// (to test "-ERR [SYS/TEMP]"). Thread-safe.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "pop3/maildrop.hpp"

namespace feedpop::pop3::testing {

struct StoredMessage {
  std::string uidl;
  std::shared_ptr<const std::string> bytes; // CRLF line ends
};

class MemoryStore : public std::enable_shared_from_this<MemoryStore> {
public:
  void add_user(const std::string& name, Credentials credentials,
                std::vector<StoredMessage> messages);
  // Appends a message to a user's mailbox (new mail arrives after old).
  void deliver(const std::string& name, StoredMessage message);
  // Forgets every deletion (the client scripts' reset between runs).
  void reset_deletions();
  std::size_t visible(const std::string& name) const;

  std::atomic<bool> fail_open{false};
  std::atomic<bool> fail_read{false};
  // Reads at or past this offset fail (a store that breaks in the middle of a message).
  std::atomic<std::uint64_t> fail_read_from{UINT64_MAX};
  std::atomic<bool> fail_commit{false};
  std::atomic<bool> fail_lookup{false};
  std::atomic<std::size_t> commits{0};
  std::optional<unsigned> expire;

  struct User {
    Credentials credentials;
    std::vector<StoredMessage> messages;
    std::set<std::string> deleted; // by UIDL
  };
  mutable std::mutex mutex;
  std::map<std::string, User, std::less<>> users;
};

class MemoryAuthenticator : public Authenticator {
public:
  explicit MemoryAuthenticator(std::shared_ptr<MemoryStore> store) : store_(std::move(store)) {}
  std::optional<Credentials> lookup(std::string_view user) override;
  std::unique_ptr<Maildrop> open(std::string_view user) override;
  std::optional<unsigned> expire_days() const override { return store_->expire; }
  bool has_plaintext_secrets() const override;

private:
  std::shared_ptr<MemoryStore> store_;
};

// A message in CRLF form from lines written with "\n".
std::string crlf(std::string_view text);

// alice (plaintext "secret") with the standard three messages, bob (SCRAM verifier of
// "hunter2" only) with one, carol (plaintext "pw") with an empty mailbox.
std::shared_ptr<MemoryStore> make_standard_store();

// Messages shaped like feed entries for end-to-end runs with real clients: RFC 2047
// subjects, multipart/alternative, quoted-printable, body lines ".hidden", "..two", ".",
// a "From " line, an empty body, a ~130 KB message. Every one has a Message-ID.
std::vector<StoredMessage> realistic_messages();

// Loads gen_mailboxes.py's corpus (users.txt + maildirs/<user>/Maildir/cur) into a store,
// line ends converted to CRLF. Throws std::runtime_error if the corpus is unreadable.
std::shared_ptr<MemoryStore> load_corpus(const std::string& dir);

} // namespace feedpop::pop3::testing
