// Striped per-key mutexes: a fixed set of mutexes, each key hashed to one.
// Two calls on the same key always meet on the same mutex; calls on
// different keys rarely do (64 stripes), and the memory is constant however
// many keys there are. Used to make a multi-step change of one key atomic
// against the other calls that change that key. One key at a time: to hold
// many keys at once, see key_claims.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace quiver {

class KeyLocks {
 public:
  std::unique_lock<std::mutex> lock(uint64_t key) {
    return std::unique_lock<std::mutex>(stripes_[stripe(key)].mutex);
  }

 private:
  static constexpr unsigned kStripeBits = 6;
  // Fibonacci hashing: keys that differ only in low bits (chunk numbers)
  // or only in high bits (document keys) spread over the stripes.
  static size_t stripe(uint64_t key) {
    return size_t((key * 0x9E3779B97F4A7C15ull) >> (64 - kStripeBits));
  }
  struct alignas(64) Stripe {  // one per cache line: no false sharing
    std::mutex mutex;
  };
  std::array<Stripe, size_t{1} << kStripeBits> stripes_;
};

}  // namespace quiver
