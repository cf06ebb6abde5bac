// Per-thread "visited" marks for graph searches.
//
// An epoch-tagged array: a query bumps the epoch instead of clearing, so
// starting a search costs O(1). One set per thread (thread_local), shared by
// every index that thread searches, grown on demand: no lock, no pool.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace quiver {

class VisitedSet {
 public:
  // Starts a new search over ids < capacity.
  void begin(uint32_t capacity) {
    if (marks_.size() < capacity) marks_.resize(capacity + capacity / 2 + 64, 0);
    if (++epoch_ == 0) {  // wrapped: old marks could alias the new epoch
      std::fill(marks_.begin(), marks_.end(), 0);
      epoch_ = 1;
    }
  }
  bool test_and_set(uint32_t id) {
    // A node added while this search runs may carry an id past the capacity
    // seen at begin(); grow rather than index out of range.
    if (id >= marks_.size()) [[unlikely]]
      marks_.resize(size_t(id) + id / 2 + 64, 0);
    uint16_t& m = marks_[id];
    if (m == epoch_) return true;
    m = epoch_;
    return false;
  }
  void prefetch(uint32_t id) const {
    if (id < marks_.size()) __builtin_prefetch(&marks_[id]);
  }

 private:
  std::vector<uint16_t> marks_;
  uint16_t epoch_ = 0;
};

}  // namespace quiver
