// HnswIndex's reader counting: registration, the upsert's wait for earlier
// searches, and the pause a renumbering needs (hnsw_readers.h).
#include "index/hnsw_readers.h"

#include <chrono>
#include <thread>

namespace quiver {

thread_local const HnswIndex::ReaderRegistration* HnswIndex::ReaderRegistration::innermost_ =
    nullptr;

bool HnswIndex::ReaderRegistration::held_on_this_thread(const HnswIndex& index) {
  for (const ReaderRegistration* r = innermost_; r; r = r->outer_)
    if (&r->index_ == &index) return true;
  return false;
}

// The epoch is read again after the count is raised: a reader counted under
// an epoch an upsert already closed would not be waited for, so it moves on.
// The pause flag is read after the count is raised too, and pause_readers
// raises the flag before it reads the counts (all sequentially consistent):
// either the reader sees the pause, or the pause sees the reader.
HnswIndex::ReaderRegistration::ReaderRegistration(const HnswIndex& index)
    : index_(index), outer_(innermost_) {
  const bool nested = held_on_this_thread(index);
  for (;;) {
    epoch_ = index_.search_epoch_.load(std::memory_order_seq_cst);
    index_.searches_[epoch_ & 1].n.fetch_add(1, std::memory_order_seq_cst);
    const bool moved = index_.search_epoch_.load(std::memory_order_seq_cst) != epoch_;
    const bool paused = !nested && index_.readers_paused_.load(std::memory_order_seq_cst);
    if (!moved && !paused) break;
    index_.searches_[epoch_ & 1].n.fetch_sub(1, std::memory_order_seq_cst);
    if (paused) index_.readers_paused_.wait(true, std::memory_order_seq_cst);
  }
  innermost_ = this;
}

HnswIndex::ReaderRegistration::~ReaderRegistration() {
  innermost_ = outer_;
  index_.searches_[epoch_ & 1].n.fetch_sub(1, std::memory_order_seq_cst);
}

void HnswIndex::wait_for_earlier_searches() {
  std::lock_guard<std::mutex> lock(grace_mutex_);
  const uint64_t closed = search_epoch_.fetch_add(1, std::memory_order_seq_cst);
  while (searches_[closed & 1].n.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
}

bool HnswIndex::pause_readers(std::chrono::milliseconds patience) const {
  readers_paused_.store(true, std::memory_order_seq_cst);
  const auto give_up = std::chrono::steady_clock::now() + patience;
  while (searches_[0].n.load(std::memory_order_seq_cst) != 0 ||
         searches_[1].n.load(std::memory_order_seq_cst) != 0) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

void HnswIndex::resume_readers() const {
  readers_paused_.store(false, std::memory_order_seq_cst);
  readers_paused_.notify_all();
}

}  // namespace quiver
