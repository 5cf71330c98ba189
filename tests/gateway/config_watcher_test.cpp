#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>

#include "gateway/config_watcher.hpp"
#include "temp_dir_support.hpp"

namespace feedpop::gateway {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class Counter {
public:
  void bump() {
    std::lock_guard lock(mutex_);
    ++count_;
    cv_.notify_all();
  }
  // Waits until the count reaches `n`; the issue promises reloads within 2 s.
  bool wait_for(int n, std::chrono::milliseconds limit = 2000ms) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return count_ >= n; });
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int count_ = 0;
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

TEST(ConfigWatcher, InPlaceEditIsReported) {
  test::TempDir dir;
  const auto file = dir.path() / "feeds.yaml";
  write(file, "a: 1\n");
  Counter calls;
  ConfigWatcher w(
      file, [&] { calls.bump(); }, 50ms);
  w.start();
  write(file, "a: 2\n");
  EXPECT_TRUE(calls.wait_for(1));
}

TEST(ConfigWatcher, ReplaceByRenameIsReportedAgainAndAgain) {
  test::TempDir dir;
  const auto file = dir.path() / "feeds.yaml";
  write(file, "a: 1\n");
  Counter calls;
  ConfigWatcher w(
      file, [&] { calls.bump(); }, 50ms);
  w.start();
  for (int i = 1; i <= 3; ++i) {
    // What vim and `sed -i` do: write a new file, rename it over the old one.
    write(dir.path() / ".feeds.yaml.swp", "a: " + std::to_string(i) + "\n");
    fs::rename(dir.path() / ".feeds.yaml.swp", file);
    EXPECT_TRUE(calls.wait_for(i)) << "rename " << i << " not reported";
  }
}

TEST(ConfigWatcher, WritesThroughAnotherPathToTheSameFileAreReported) {
  // What a Docker single-file bind mount looks like from inside: the host writes the
  // inode through its own path, so only a watch on the inode sees it.
  test::TempDir dir;
  fs::create_directories(dir.path() / "etc");
  fs::create_directories(dir.path() / "host");
  const auto file = dir.path() / "etc" / "feeds.yaml";
  write(file, "a: 1\n");
  fs::create_hard_link(file, dir.path() / "host" / "feeds.yaml");
  Counter calls;
  ConfigWatcher w(
      file, [&] { calls.bump(); }, 50ms);
  w.start();
  write(dir.path() / "host" / "feeds.yaml", "a: 2\n");
  EXPECT_TRUE(calls.wait_for(1));
}

TEST(ConfigWatcher, OneSaveWithManyEventsIsOneCallback) {
  test::TempDir dir;
  const auto file = dir.path() / "feeds.yaml";
  write(file, "a: 1\n");
  Counter calls;
  ConfigWatcher w(
      file, [&] { calls.bump(); }, 200ms);
  w.start();
  for (int i = 0; i < 5; ++i) {
    write(file, "a: " + std::to_string(i) + "\n"); // open+truncate+write+close, 5 times
  }
  ASSERT_TRUE(calls.wait_for(1));
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(calls.count(), 1);
}

TEST(ConfigWatcher, OtherFilesInTheFolderAreIgnored) {
  test::TempDir dir;
  const auto file = dir.path() / "feeds.yaml";
  write(file, "a: 1\n");
  Counter calls;
  ConfigWatcher w(
      file, [&] { calls.bump(); }, 20ms);
  w.start();
  write(dir.path() / "feeds.yaml.bak", "x\n");
  write(dir.path() / "other.yaml", "x\n");
  EXPECT_FALSE(calls.wait_for(1, 300ms));
}

TEST(ConfigWatcher, TriggerReloadsWithoutAnEditAndStopJoins) {
  test::TempDir dir;
  const auto file = dir.path() / "feeds.yaml";
  write(file, "a: 1\n");
  Counter calls;
  ConfigWatcher w(file, [&] { calls.bump(); });
  w.start();
  w.trigger();
  EXPECT_TRUE(calls.wait_for(1));
  w.stop();
  write(file, "a: 2\n");
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(calls.count(), 1);
}

TEST(ConfigWatcher, AThrowingCallbackDoesNotStopTheWatcher) {
  test::TempDir dir;
  const auto file = dir.path() / "feeds.yaml";
  write(file, "a: 1\n");
  Counter calls;
  ConfigWatcher w(
      file,
      [&] {
        calls.bump();
        throw std::runtime_error("bad config");
      },
      20ms);
  w.start();
  w.trigger();
  ASSERT_TRUE(calls.wait_for(1));
  w.trigger();
  EXPECT_TRUE(calls.wait_for(2));
}

TEST(ConfigWatcher, MissingFolderIsAnError) {
  ConfigWatcher w("/nonexistent-feedpop-dir/feeds.yaml", [] {});
  EXPECT_THROW(w.start(), std::system_error);
}

} // namespace
} // namespace feedpop::gateway
