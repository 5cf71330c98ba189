#pragma once
// Watches one file (feeds.yaml) for edits and calls back, debounced, on its own thread.
//
// It watches the file's *folder* with inotify: editors (vim, sed -i, Kubernetes
// ConfigMaps, `mv new feeds.yaml`) replace the file by rename, which a watch on the old
// inode would never report. It also watches the file's current inode, because writes
// through another path to it (a Docker single-file bind mount) reach only that watch.
// trigger() (SIGHUP) forces a callback.
//
// Threading: start() spawns the thread; the callback runs on it, one at a time; stop()
// (and the destructor) wake it and join. trigger() is async-signal-unsafe: call it from
// the signal-handling thread, not from a handler.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

namespace feedpop::gateway {

class ConfigWatcher {
public:
  using Callback = std::function<void()>;

  // debounce: quiet time after the last event before the callback runs, so one save that
  // writes, truncates and renames yields one reload of the finished file.
  ConfigWatcher(std::filesystem::path file, Callback on_change,
                std::chrono::milliseconds debounce = std::chrono::milliseconds(150));
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Throws std::system_error when inotify or the folder watch cannot be set up.
  void start();
  void stop();
  void trigger();

private:
  void run();
  void watch_file();

  std::filesystem::path file_;
  Callback on_change_;
  std::chrono::milliseconds debounce_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1; // eventfd: stop() and trigger()
  std::atomic<bool> stopping_{false};
  std::atomic<bool> triggered_{false};
  std::thread thread_;
};

} // namespace feedpop::gateway
