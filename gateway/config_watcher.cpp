#include "gateway/config_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

namespace feedpop::gateway {
namespace {

using Clock = std::chrono::steady_clock;

// The events that mean "the file may now have new content": written and closed, created,
// moved into place, or deleted / moved away (a later create follows; reloading then reports
// the missing file rather than silently keeping a config the user removed).
constexpr std::uint32_t watched_events =
    IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB;

} // namespace

ConfigWatcher::ConfigWatcher(std::filesystem::path file, Callback on_change,
                             std::chrono::milliseconds debounce)
    : file_(std::filesystem::absolute(std::move(file))), on_change_(std::move(on_change)),
      debounce_(debounce) {}

ConfigWatcher::~ConfigWatcher() {
  stop();
  if (inotify_fd_ >= 0) {
    ::close(inotify_fd_);
  }
  if (wake_fd_ >= 0) {
    ::close(wake_fd_);
  }
}

void ConfigWatcher::start() {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "inotify_init1");
  }
  const auto folder = file_.parent_path();
  if (::inotify_add_watch(inotify_fd_, folder.c_str(), watched_events) < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot watch folder " + folder.string());
  }
  watch_file();
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  thread_ = std::thread([this] { run(); });
}

// The file's own inode is watched too: a single-file bind mount (Docker) or a hard link
// is written through another path, and such writes reach watches of the inode only, not
// of this folder. A missing file is fine: the folder watch sees it come back.
void ConfigWatcher::watch_file() {
  ::inotify_add_watch(inotify_fd_, file_.c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB);
}

void ConfigWatcher::stop() {
  stopping_ = true;
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ConfigWatcher::trigger() {
  triggered_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

void ConfigWatcher::run() {
  const std::string name = file_.filename().string();
  constexpr auto max_delay = std::chrono::milliseconds(1000);
  bool pending = false;
  Clock::time_point first{};
  Clock::time_point due{};
  alignas(inotify_event) char buf[8192];
  while (!stopping_) {
    int timeout = -1;
    if (pending) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now());
      timeout = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("config watcher: poll failed: {}",
                    std::error_code(errno, std::generic_category()).message());
      return;
    }
    if (fds[1].revents & POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
    }
    if (stopping_) {
      return;
    }
    if (triggered_.exchange(false)) {
      pending = true;
      first = due = Clock::now(); // SIGHUP: reload now
    }
    if (fds[0].revents & POLLIN) {
      for (;;) {
        const ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
        if (len <= 0) {
          break;
        }
        for (ssize_t off = 0; off < len;) {
          const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
          off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
          // len == 0: an event of the file's own watch (or of the folder itself).
          if ((ev->mask & IN_Q_OVERFLOW) != 0 || ev->len == 0 || name == ev->name) {
            // Debounced, but never postponed past max_delay by a stream of events: the
            // issue promises an edit takes effect within 2 seconds.
            const auto now = Clock::now();
            if (!pending) {
              first = now;
            }
            pending = true;
            due = std::min(now + debounce_, first + max_delay);
          }
        }
      }
    }
    if (pending) {
      watch_file(); // a replaced file is a new inode: watch that one from now on
    }
    if (pending && Clock::now() >= due) {
      pending = false;
      try {
        on_change_();
      } catch (const std::exception& e) {
        spdlog::error("config reload failed: {}", e.what());
      }
    }
  }
}

} // namespace feedpop::gateway
