// A growable array of fixed-size records whose addresses never change.
//
// Records live in chunks of geometrically growing size (64, 128, 256, ...
// records), so a record id maps to (chunk, offset) with one count-leading-
// zeros and the store can grow while other threads read: nothing is ever
// moved or reallocated, and there is no capacity to reserve up front. Chunks
// come from calloc, so untouched pages of a large chunk cost no memory.
//
// Thread-safety: ensure() may race with record() on other ids; record(id) is
// valid once ensure(id) has returned on some thread and that is ordered
// before the read (the chunk pointer is published with release/acquire).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

namespace quiver {

class SegmentedStore {
 public:
  explicit SegmentedStore(size_t record_bytes) : record_bytes_(record_bytes) {}
  ~SegmentedStore() {
    for (auto& c : chunks_) std::free(c.load(std::memory_order_relaxed));
  }
  SegmentedStore(const SegmentedStore&) = delete;
  SegmentedStore& operator=(const SegmentedStore&) = delete;

  size_t record_bytes() const { return record_bytes_; }

  char* record(uint32_t id) const {
    uint64_t x = uint64_t(id) + kFirstChunkRecords;
    int high = 63 - std::countl_zero(x);
    int chunk = high - kFirstChunkLog2;
    uint64_t offset = x - (uint64_t(1) << high);
    return chunks_[chunk].load(std::memory_order_acquire) + offset * record_bytes_;
  }

  // Makes sure record `id` exists (zero-filled). Throws std::bad_alloc.
  void ensure(uint32_t id) {
    uint64_t x = uint64_t(id) + kFirstChunkRecords;
    int high = 63 - std::countl_zero(x);
    int chunk = high - kFirstChunkLog2;
    if (chunks_[chunk].load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(grow_mutex_);
    if (chunks_[chunk].load(std::memory_order_relaxed)) return;
    size_t records = size_t(1) << high;
    void* memory = std::calloc(records, record_bytes_);
    if (!memory) throw std::bad_alloc();
    chunks_[chunk].store(static_cast<char*>(memory), std::memory_order_release);
  }

 private:
  static constexpr int kFirstChunkLog2 = 6;
  static constexpr uint64_t kFirstChunkRecords = uint64_t(1) << kFirstChunkLog2;
  static constexpr int kMaxChunks = 40;  // ids up to 2^32 need 27 chunks

  size_t record_bytes_;
  std::atomic<char*> chunks_[kMaxChunks] = {};
  std::mutex grow_mutex_;
};

}  // namespace quiver
