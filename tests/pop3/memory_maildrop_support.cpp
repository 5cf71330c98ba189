#include "tests/pop3/memory_maildrop.hpp"

#include <algorithm>
#include <cstring>

#include "pop3/scram.hpp"

namespace feedpop::pop3::testing {
namespace {

class MemoryMaildrop : public Maildrop {
public:
  MemoryMaildrop(std::shared_ptr<MemoryStore> store, std::string user,
                 std::vector<StoredMessage> messages)
      : store_(std::move(store)), user_(std::move(user)), messages_(std::move(messages)) {
    info_.reserve(messages_.size());
    for (const auto& m : messages_) {
      info_.push_back({m.uidl, m.bytes->size()});
    }
  }
  const std::vector<MessageInfo>& messages() const override { return info_; }
  void read(std::size_t index, const std::function<bool(std::string_view)>& sink) override {
    check_read();
    // Small chunks on purpose: exercises chunk boundaries in the writer.
    const std::string& bytes = *messages_.at(index).bytes;
    for (std::size_t pos = 0; pos < bytes.size(); pos += 1000) {
      if (!sink(std::string_view(bytes).substr(pos, 1000))) {
        return;
      }
    }
  }
  std::size_t read_at(std::size_t index, std::uint64_t offset, char* dest,
                      std::size_t max) override {
    check_read();
    const std::string& bytes = *messages_.at(index).bytes;
    if (offset >= bytes.size()) {
      return 0;
    }
    const std::size_t n = std::min<std::size_t>(max, bytes.size() - offset);
    std::memcpy(dest, bytes.data() + offset, n);
    return n;
  }
  void commit(const std::vector<std::size_t>& deleted_indexes) override {
    if (store_->fail_commit) {
      throw MaildropError("injected commit failure");
    }
    std::lock_guard lock(store_->mutex);
    auto& user = store_->users.at(user_);
    for (const auto i : deleted_indexes) {
      user.deleted.insert(messages_.at(i).uidl);
    }
    ++store_->commits;
  }

private:
  void check_read() const {
    if (store_->fail_read) {
      throw MaildropError("injected read failure");
    }
  }
  std::shared_ptr<MemoryStore> store_;
  std::string user_;
  std::vector<StoredMessage> messages_;
  std::vector<MessageInfo> info_;
};

} // namespace

void MemoryStore::add_user(const std::string& name, Credentials credentials,
                           std::vector<StoredMessage> messages) {
  std::lock_guard lock(mutex);
  users[name] = User{std::move(credentials), std::move(messages), {}};
}

void MemoryStore::deliver(const std::string& name, StoredMessage message) {
  std::lock_guard lock(mutex);
  users.at(name).messages.push_back(std::move(message));
}

void MemoryStore::reset_deletions() {
  std::lock_guard lock(mutex);
  for (auto& [name, user] : users) {
    user.deleted.clear();
  }
}

std::size_t MemoryStore::visible(const std::string& name) const {
  std::lock_guard lock(mutex);
  const auto& user = users.at(name);
  return user.messages.size() - user.deleted.size();
}

std::optional<Credentials> MemoryAuthenticator::lookup(std::string_view user) {
  if (store_->fail_lookup) {
    throw MaildropError("injected lookup failure");
  }
  std::lock_guard lock(store_->mutex);
  const auto it = store_->users.find(user);
  if (it == store_->users.end()) {
    return std::nullopt;
  }
  return it->second.credentials;
}

std::unique_ptr<Maildrop> MemoryAuthenticator::open(std::string_view user) {
  if (store_->fail_open) {
    throw MaildropError("injected open failure");
  }
  std::lock_guard lock(store_->mutex);
  const auto& u = store_->users.at(std::string(user));
  std::vector<StoredMessage> snapshot;
  for (const auto& m : u.messages) {
    if (u.deleted.count(m.uidl) == 0) {
      snapshot.push_back(m);
    }
  }
  return std::make_unique<MemoryMaildrop>(store_, std::string(user), std::move(snapshot));
}

bool MemoryAuthenticator::has_plaintext_secrets() const {
  std::lock_guard lock(store_->mutex);
  return std::any_of(store_->users.begin(), store_->users.end(),
                     [](const auto& u) { return u.second.credentials.plaintext.has_value(); });
}

std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += '\r';
    }
    out += c;
  }
  return out;
}

std::shared_ptr<MemoryStore> make_standard_store() {
  auto store = std::make_shared<MemoryStore>();
  auto msg = [](std::string uidl, std::string_view text) {
    return StoredMessage{std::move(uidl), std::make_shared<const std::string>(crlf(text))};
  };
  store->add_user("alice", Credentials{std::string("secret"), std::nullopt},
                  {msg("uid-one", "Subject: one\n"
                                  "From: a@example.org\n"
                                  "\n"
                                  "Hello\n"),
                   msg("uid-two", "Subject: two\n"
                                  "\n"
                                  "first\n"
                                  ".hidden\n"
                                  "..two\n"
                                  ".\n"
                                  "last\n"),
                   msg("uid-three", "Subject: three\n"
                                    "X-Extra: yes\n"
                                    "\n"
                                    "a\n"
                                    "b\n"
                                    "c\n")});
  // Derived once: PBKDF2 is slow on purpose and transcripts replay thousands of sessions.
  static const ScramVerifier bob = make_scram_verifier("hunter2", "saltsalt", 4096);
  store->add_user("bob", Credentials{std::nullopt, bob},
                  {msg("bob-1", "Subject: for bob\n\nhi bob\n")});
  store->add_user("carol", Credentials{std::string("pw"), std::nullopt}, {});
  return store;
}

} // namespace feedpop::pop3::testing
