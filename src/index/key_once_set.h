// Finding a key held twice, as the checks of a stored image need it
// (VectorIndex::validate_image): from many threads at once and without
// building the key maps the indexes use, which cost several times more (a
// node per key). An insert-only open-addressing set of ids (4 bytes each,
// 1.5 to 3 slots per id) whose keys the caller looks up.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace quiver {

class KeyOnceSet {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Room for `n` ids below UINT32_MAX. Throws std::bad_alloc.
  explicit KeyOnceSet(size_t n) : capacity_(std::bit_ceil(n + n / 2 + 16)) {
    shift_ = 64 - std::countr_zero(capacity_);
    // Slots hold id + 1, so zero is empty. Written before use (not calloc's
    // untouched zero pages): reading one of those first and then writing it
    // costs a second page fault, which dominated the inserts.
    slots_.reset(static_cast<uint32_t*>(std::malloc(capacity_ * sizeof(uint32_t))));
    if (!slots_) throw std::bad_alloc();
    std::memset(slots_.get(), 0, capacity_ * sizeof(uint32_t));
  }

  // Adds `id` under `key`; returns the id already there under the same key
  // (key_of(id) gives an id's key), or kNone. Any thread may insert.
  template <typename KeyOf>
  uint32_t insert(uint64_t key, uint32_t id, const KeyOf& key_of) {
    for (size_t s = slot_of(key);; s = (s + 1) & (capacity_ - 1)) {
      std::atomic_ref<uint32_t> slot(slots_.get()[s]);
      uint32_t held = slot.load(std::memory_order_acquire);
      if (held == 0) {
        if (slot.compare_exchange_strong(held, id + 1, std::memory_order_acq_rel)) return kNone;
        // Another thread took the slot: held is now its id + 1.
      }
      if (key_of(held - 1) == key) return held - 1;
    }
  }

  // Starts loading the slot of a key inserted soon: the table is larger
  // than the caches, and an insert otherwise waits for memory every time.
  void prefetch(uint64_t key) const { __builtin_prefetch(slots_.get() + slot_of(key), 1); }

 private:
  // Fibonacci hashing: the top bits of key * 2^64 / phi spread any keys,
  // sequential ones included.
  size_t slot_of(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> shift_); }

  struct Free {
    void operator()(uint32_t* p) const { std::free(p); }
  };
  size_t capacity_;
  int shift_;
  std::unique_ptr<uint32_t[], Free> slots_;
};

}  // namespace quiver
