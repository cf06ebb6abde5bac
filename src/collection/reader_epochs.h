// Waits out the readers that started before a change: the grace period of
// read-copy-update, for a writer that must not free what a reader may still
// be looking at (the text layer removes a replaced document's chunks only
// after every search that may have chosen to see them has ended).
//
// Readers never block: enter() counts the reader in the current epoch's
// slot (re-trying when a writer moved the epoch on meanwhile), leave()
// counts it out. wait_for_earlier() moves the epoch on, so that new readers
// count in the other slot, and waits until the old slot is empty. Writers
// take turns (a mutex), so at most two epochs have readers at once.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <thread>

namespace quiver {

class ReaderEpochs {
 public:
  // Returns the slot to pass to leave().
  unsigned enter() const {
    for (;;) {
      const uint64_t epoch = epoch_.load();
      const unsigned slot = unsigned(epoch & 1);
      active_[slot].fetch_add(1);
      if (epoch_.load() == epoch) return slot;
      active_[slot].fetch_sub(1);  // a writer moved on: count in the new epoch
    }
  }
  void leave(unsigned slot) const { active_[slot].fetch_sub(1); }

  // Returns once every reader that entered before this call has left.
  // Readers that enter meanwhile are not waited for. Must not be called by
  // a thread that is itself between enter() and leave().
  void wait_for_earlier() const {
    std::lock_guard lock(writer_mutex_);
    const uint64_t epoch = epoch_.fetch_add(1);
    const unsigned slot = unsigned(epoch & 1);
    for (unsigned spins = 0; active_[slot].load() != 0; ++spins) {
      if (spins < 64)
        std::this_thread::yield();
      else
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

 private:
  mutable std::atomic<uint64_t> epoch_{0};
  mutable std::atomic<uint64_t> active_[2] = {0, 0};
  mutable std::mutex writer_mutex_;
};

}  // namespace quiver
