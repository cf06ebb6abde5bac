// Exclusive claims on sets of keys. claim(keys) waits until no key of the
// set is claimed by another caller, then claims them all at once: two
// callers with overlapping sets cannot deadlock (nobody holds some keys
// while waiting for others), and no mutex is held while a claim lasts, so a
// claim may cover any number of keys and last through slow work. Used where
// a striped lock (key_locks.h) would have to hold many mutexes at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <unordered_set>
#include <vector>

namespace quiver {

class KeyClaims {
 public:
  // Released when destroyed.
  class Claim {
   public:
    Claim(KeyClaims& owner, std::vector<uint64_t> keys) : owner_(owner), keys_(std::move(keys)) {}
    ~Claim() { owner_.release(keys_); }
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;

   private:
    KeyClaims& owner_;
    std::vector<uint64_t> keys_;
  };

  // `keys` must be distinct. Throws std::bad_alloc, claiming nothing.
  [[nodiscard]] Claim claim(std::span<const uint64_t> keys) {
    std::vector<uint64_t> mine(keys.begin(), keys.end());
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] {
      for (uint64_t key : mine)
        if (claimed_.count(key)) return false;
      return true;
    });
    size_t added = 0;
    try {
      for (; added < mine.size(); ++added) claimed_.insert(mine[added]);
    } catch (...) {
      for (size_t i = 0; i < added; ++i) claimed_.erase(mine[i]);
      throw;
    }
    return Claim(*this, std::move(mine));
  }

 private:
  void release(const std::vector<uint64_t>& keys) {
    {
      std::lock_guard lock(mutex_);
      for (uint64_t key : keys) claimed_.erase(key);
    }
    released_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable released_;
  std::unordered_set<uint64_t> claimed_;
};

}  // namespace quiver
