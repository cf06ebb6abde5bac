// A growable array of fixed-size records whose addresses never change.
//
// Records live in chunks of geometrically growing size (64, 128, 256, ...
// records), so a record id maps to (chunk, offset) with one count-leading-
// zeros and the store can grow while other threads read: nothing is ever
// moved or reallocated, and there is no capacity to reserve up front. Chunks
// come from calloc, so untouched pages of a large chunk cost no memory.
// Chunks of 4 MiB and more are mapped directly and asked to be backed by
// transparent huge pages (MADV_HUGEPAGE; nothing changes where the system
// turned THP off): chunks are filled end to end, by adds or by a load, and
// a 4 KiB page costs a page fault to fill (most of a 1M x 128 load's time
// went there) and a TLB entry to search.
//
// Thread-safety: ensure() may race with record() on other ids; record(id) is
// valid once ensure(id) has returned on some thread and that is ordered
// before the read (the chunk pointer is published with release/acquire).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include <sys/mman.h>

namespace quiver {

class SegmentedStore {
 public:
  explicit SegmentedStore(size_t record_bytes) : record_bytes_(record_bytes) {}
  ~SegmentedStore() {
    if (external_) return;
    for (int c = 0; c < kMaxChunks; ++c) {
      char* memory = chunks_[c].load(std::memory_order_relaxed);
      if (!memory) continue;
      const size_t bytes = (kFirstChunkRecords << c) * record_bytes_;
      if (bytes >= kMappedChunkBytes)
        ::munmap(memory, bytes);
      else
        std::free(memory);
    }
  }
  SegmentedStore(const SegmentedStore&) = delete;
  SegmentedStore& operator=(const SegmentedStore&) = delete;

  size_t record_bytes() const { return record_bytes_; }

  // Bytes of the records [0, count) when this store owns them (0 when
  // attached to an image). Chunks are allocated ahead in doubling sizes,
  // but their untouched pages cost nothing, so the records in use are
  // what the heap holds.
  size_t heap_bytes(uint64_t count) const { return external_ ? 0 : count * record_bytes_; }

  char* record(uint32_t id) const {
    uint64_t x = uint64_t(id) + kFirstChunkRecords;
    int high = 63 - std::countl_zero(x);
    int chunk = high - kFirstChunkLog2;
    uint64_t offset = x - (uint64_t(1) << high);
    return chunks_[chunk].load(std::memory_order_acquire) + offset * record_bytes_;
  }

  // The records [0, count) as contiguous pieces, one per chunk, in id order:
  // what a save writes. Because chunk c holds ids [64 (2^c - 1), 64 (2^(c+1) - 1)),
  // the pieces laid end to end put record id at byte id * record_bytes.
  template <typename Fn>
  void for_each_piece(uint64_t count, Fn&& fn) const {
    uint64_t first = 0;
    for (int c = 0; c < kMaxChunks && first < count; ++c) {
      uint64_t chunk_records = kFirstChunkRecords << c;
      uint64_t n = std::min(chunk_records, count - first);
      fn(chunks_[c].load(std::memory_order_acquire), n * record_bytes_);
      first += n;
    }
  }

  // Makes records [0, count) exist and passes them to fn(data, bytes) as
  // writable pieces laid out as for_each_piece's: what a load reads an image
  // into. Throws std::bad_alloc.
  template <typename Fn>
  void for_each_piece_to_fill(uint64_t count, Fn&& fn) {
    uint64_t first = 0;
    for (int c = 0; c < kMaxChunks && first < count; ++c) {
      ensure(uint32_t(first));
      uint64_t n = std::min(kFirstChunkRecords << c, count - first);
      fn(chunks_[c].load(std::memory_order_relaxed), n * record_bytes_);
      first += n;
    }
  }

  // Points the store at a contiguous image it does not own (a read-only
  // mapping): record(id) for id < count reads the image in place. The store
  // must not grow afterwards.
  void attach(const char* image, uint64_t count) {
    external_ = true;
    uint64_t first = 0;
    for (int c = 0; c < kMaxChunks && first < count; ++c) {
      chunks_[c].store(const_cast<char*>(image) + first * record_bytes_, std::memory_order_release);
      first += kFirstChunkRecords << c;
    }
  }

  // Exchanges the records of two stores of one record size. Nothing else
  // may use either store meanwhile.
  void swap_contents(SegmentedStore& other) {
    for (int c = 0; c < kMaxChunks; ++c) {
      char* mine = chunks_[c].load(std::memory_order_relaxed);
      chunks_[c].store(other.chunks_[c].load(std::memory_order_relaxed), std::memory_order_release);
      other.chunks_[c].store(mine, std::memory_order_release);
    }
    std::swap(external_, other.external_);
  }

  // Makes sure record `id` exists (zero-filled). Throws std::bad_alloc.
  void ensure(uint32_t id) {
    uint64_t x = uint64_t(id) + kFirstChunkRecords;
    int high = 63 - std::countl_zero(x);
    int chunk = high - kFirstChunkLog2;
    if (chunks_[chunk].load(std::memory_order_acquire)) return;
    std::lock_guard<std::mutex> lock(grow_mutex_);
    if (chunks_[chunk].load(std::memory_order_relaxed)) return;
    const size_t records = size_t(1) << high;
    void* memory = nullptr;
    if (records * record_bytes_ >= kMappedChunkBytes) {
      memory = ::mmap(nullptr, records * record_bytes_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (memory == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
      (void)::madvise(memory, records * record_bytes_, MADV_HUGEPAGE);  // best effort
#endif
    } else {
      memory = std::calloc(records, record_bytes_);
      if (!memory) throw std::bad_alloc();
    }
    chunks_[chunk].store(static_cast<char*>(memory), std::memory_order_release);
  }

 private:
  static constexpr size_t kMappedChunkBytes = size_t(4) << 20;
  static constexpr int kFirstChunkLog2 = 6;
  static constexpr uint64_t kFirstChunkRecords = uint64_t(1) << kFirstChunkLog2;
  static constexpr int kMaxChunks = 40;  // ids up to 2^32 need 27 chunks

  size_t record_bytes_;
  bool external_ = false;
  std::atomic<char*> chunks_[kMaxChunks] = {};
  std::mutex grow_mutex_;
};

}  // namespace quiver
