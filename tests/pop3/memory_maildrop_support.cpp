#include "tests/pop3/memory_maildrop.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "auth/scram.hpp"

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
  std::size_t read_at(std::size_t index, std::uint64_t offset, char* dest,
                      std::size_t max) override {
    check_read();
    if (offset + max > store_->fail_read_from) {
      throw MaildropError("injected read failure at offset " + std::to_string(offset));
    }
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
  static const ScramVerifier bob = auth::make_scram_verifier("hunter2", "saltsalt", 4096);
  store->add_user("bob", Credentials{std::nullopt, bob},
                  {msg("bob-1", "Subject: for bob\n\nhi bob\n")});
  store->add_user("carol", Credentials{std::string("pw"), std::nullopt}, {});
  return store;
}

} // namespace feedpop::pop3::testing

namespace feedpop::pop3::testing {

std::vector<StoredMessage> realistic_messages() {
  auto msg = [](std::string uidl, const std::string& headers, const std::string& body) {
    return StoredMessage{std::move(uidl), std::make_shared<const std::string>(
                                              crlf(headers + "MIME-Version: 1.0\n\n" + body))};
  };
  std::string big;
  for (int i = 0; i < 2000; ++i) {
    big += "Line " + std::to_string(i) + " of a long article, padded with words to a length.\n";
    if (i % 100 == 0) {
      big += ".dotted line inside a long message\n";
    }
  }
  std::vector<StoredMessage> m;
  m.push_back(msg("feed-1",
                  "From: \"LWN\" <feeds@example.org>\nTo: alice@localhost\n"
                  "Subject: =?UTF-8?B?w5xiZXIgZGllIFRhc3RhdHVy?=\n"
                  "Date: Mon, 01 Jul 2024 10:00:00 +0000\nMessage-ID: <e1@feedpop.test>\n"
                  "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n",
                  "Plain text entry.\n.hidden\n..two\n.\n...\n. x\nend\n"));
  m.push_back(msg("feed-2",
                  "From: \"Blog\" <feeds@example.org>\nTo: alice@localhost\n"
                  "Subject: Multipart entry\nDate: Mon, 01 Jul 2024 11:00:00 +0000\n"
                  "Message-ID: <e2@feedpop.test>\nList-Id: <blog.feedpop.test>\n"
                  "Content-Type: multipart/alternative; boundary=\"b1\"\n",
                  "--b1\nContent-Type: text/plain; charset=utf-8\n"
                  "Content-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9 and =E2=9C=93\n"
                  ".leading dot in a part\n--b1\nContent-Type: text/html; charset=utf-8\n\n"
                  "<p>Caf&eacute;</p>\n--b1--\n"));
  m.push_back(msg("feed-3",
                  "From: \"Mbox\" <feeds@example.org>\nTo: alice@localhost\n"
                  "Subject: From line\nDate: Mon, 01 Jul 2024 12:00:00 +0000\n"
                  "Message-ID: <e3@feedpop.test>\nContent-Type: text/plain; charset=us-ascii\n",
                  "From the beginning, mbox readers need quoting.\nSecond line.\n"));
  m.push_back(msg("feed-4",
                  "From: \"Empty\" <feeds@example.org>\nTo: alice@localhost\n"
                  "Subject: Empty body\nDate: Mon, 01 Jul 2024 13:00:00 +0000\n"
                  "Message-ID: <e4@feedpop.test>\nContent-Type: text/plain; charset=us-ascii\n",
                  ""));
  m.push_back(msg("feed-5",
                  "From: \"Long\" <feeds@example.org>\nTo: alice@localhost\n"
                  "Subject: A long article\nDate: Mon, 01 Jul 2024 14:00:00 +0000\n"
                  "Message-ID: <e5@feedpop.test>\nContent-Type: text/plain; charset=us-ascii\n",
                  big));
  m.push_back(msg("feed-6",
                  "From: \"CJK\" <feeds@example.org>\nTo: alice@localhost\n"
                  "Subject: =?UTF-8?B?5pel5pys6Kqe44Gu6KiY5LqL?=\n"
                  "Date: Mon, 01 Jul 2024 15:00:00 +0000\nMessage-ID: <e6@feedpop.test>\n"
                  "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n",
                  "5pel5pys6Kqe44Gu5pys5paH44Gn44GZ44CC\n"));
  return m;
}

std::shared_ptr<MemoryStore> load_corpus(const std::string& dir) {
  namespace fs = std::filesystem;
  auto store = std::make_shared<MemoryStore>();
  std::ifstream users(fs::path(dir) / "users.txt");
  if (!users) {
    throw std::runtime_error("cannot read " + dir + "/users.txt");
  }
  std::string line;
  while (std::getline(users, line)) {
    const auto c1 = line.find(':');
    const auto c2 = line.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos) {
      continue;
    }
    const std::string user = line.substr(0, c1);
    const std::string password = line.substr(c1 + 1, c2 - c1 - 1);
    std::vector<fs::path> files;
    for (const auto& e :
         fs::directory_iterator(fs::path(dir) / "maildirs" / user / "Maildir/cur")) {
      files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<StoredMessage> messages;
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::string raw(static_cast<std::size_t>(fs::file_size(f)), '\0');
      in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
      std::string text;
      text.reserve(raw.size() + raw.size() / 20);
      for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
          text += '\r';
        }
        text += raw[i];
      }
      messages.push_back({f.filename().string().substr(0, f.filename().string().find(':')),
                          std::make_shared<const std::string>(std::move(text))});
    }
    store->add_user(user, Credentials{password, std::nullopt}, std::move(messages));
  }
  return store;
}

} // namespace feedpop::pop3::testing
