#pragma once
// RFC 1939 §4's exclusive-access lock on a maildrop, used only with `pop3.lock_session:
// true` (DESIGN.md: by default sessions do not lock each other out). One registry is owned
// by the server and shared by all sessions; a Guard releases its lock when destroyed, so a
// dropped connection or an autologout frees the maildrop. Thread-safe.

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace feedpop::pop3 {

class SessionLocks : public std::enable_shared_from_this<SessionLocks> {
public:
  class Guard {
  public:
    Guard() = default;
    Guard(Guard&& other) noexcept
        : owner_(std::move(other.owner_)), user_(std::move(other.user_)) {}
    Guard& operator=(Guard&& other) noexcept {
      release();
      owner_ = std::move(other.owner_);
      user_ = std::move(other.user_);
      return *this;
    }
    ~Guard() { release(); }
    void release();

  private:
    friend class SessionLocks;
    Guard(std::shared_ptr<SessionLocks> owner, std::string user)
        : owner_(std::move(owner)), user_(std::move(user)) {}
    std::shared_ptr<SessionLocks> owner_;
    std::string user_;
  };

  // nullopt when another session holds the user's maildrop.
  std::optional<Guard> try_lock(std::string_view user);
  bool locked(std::string_view user) const;

private:
  mutable std::mutex mutex_;
  std::set<std::string, std::less<>> held_;
};

} // namespace feedpop::pop3
