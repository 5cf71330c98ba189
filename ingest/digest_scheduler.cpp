#include "ingest/digest_scheduler.hpp"

#include <spdlog/spdlog.h>

#include "mail/digest.hpp"

namespace feedpop::ingest {

DigestScheduler::DigestScheduler(OpenStore open_store, std::string hostname, Clock clock,
                                 std::chrono::milliseconds tick)
    : open_store_(std::move(open_store)), hostname_(std::move(hostname)), clock_(std::move(clock)),
      tick_(tick) {
  if (!clock_) {
    clock_ = [] {
      return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    };
  }
}

DigestScheduler::~DigestScheduler() {
  stop();
}

void DigestScheduler::start(std::vector<DigestConfig> digests) {
  {
    std::lock_guard lock(mutex_);
    fixed_ = std::move(digests);
    digests_ = nullptr;
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void DigestScheduler::apply(std::vector<DigestConfig> digests) {
  std::lock_guard lock(mutex_);
  fixed_ = std::move(digests);
  digests_ = nullptr;
  changed_ = true;
  wake_.notify_all();
}

void DigestScheduler::start(Digests digests) {
  {
    std::lock_guard lock(mutex_);
    digests_ = std::move(digests);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void DigestScheduler::apply(Digests digests) {
  std::lock_guard lock(mutex_);
  digests_ = std::move(digests);
  fixed_.clear();
  changed_ = true;
  wake_.notify_all();
}

void DigestScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<DigestBuild> DigestScheduler::run_due() {
  Digests source;
  std::vector<DigestConfig> digests;
  {
    std::lock_guard lock(mutex_);
    source = digests_;
    digests = fixed_;
  }
  std::vector<DigestBuild> out;
  if (source) {
    try {
      if (!store_) {
        store_ = open_store_();
      }
      digests = source(*store_);
    } catch (const std::exception& e) {
      spdlog::error("digests: not listed, retrying: {}", e.what());
      store_.reset();
      return out;
    }
  }
  const storage::Time now = clock_();
  for (const DigestConfig& digest : digests) {
    try {
      const storage::Time end = period_end(digest.schedule, now);
      if (const auto it = built_.find(digest.key); it != built_.end() && it->second == end) {
        continue;
      }
      if (!store_) {
        store_ = open_store_();
      }
      DigestBuild r = build_digest(*store_, digest, end, hostname_, mail::default_digest_part_size);
      built_[digest.key] = end;
      if (r.messages > 0) {
        spdlog::info("digest {}: {} entries in {} message(s)", digest.key, r.entries, r.messages);
        out.push_back(std::move(r));
      }
    } catch (const std::exception& e) {
      spdlog::error("digest {}: not built, retrying: {}", digest.key, e.what());
      store_.reset(); // a broken connection is reopened next time
    }
  }
  return out;
}

void DigestScheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    run_due();
    lock.lock();
    wake_.wait_for(lock, tick_, [this] { return stopping_ || changed_; });
    changed_ = false;
  }
  store_.reset();
}

} // namespace feedpop::ingest
