// Bounded selection of the k smallest (distance, id) pairs: a max-heap of at
// most k entries, so a scan of n candidates costs O(n log k), not a full sort.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

namespace quiver {

template <typename Id>
class TopK {
 public:
  using Entry = std::pair<float, Id>;

  void reset(size_t k) {
    k_ = k;
    heap_.clear();
  }
  // The distance a candidate must beat to enter (inf until k are held).
  float threshold() const {
    return heap_.size() < k_ ? std::numeric_limits<float>::infinity() : heap_.front().first;
  }
  void push(float distance, Id id) {
    if (heap_.size() < k_) {
      heap_.emplace_back(distance, id);
      std::push_heap(heap_.begin(), heap_.end());
    } else if (distance < heap_.front().first) {
      std::pop_heap(heap_.begin(), heap_.end());
      heap_.back() = Entry(distance, id);
      std::push_heap(heap_.begin(), heap_.end());
    }
  }
  size_t size() const { return heap_.size(); }
  // Sorts ascending and hands the entries out; the selector is left empty.
  std::vector<Entry>& sorted() {
    std::sort_heap(heap_.begin(), heap_.end());
    return heap_;
  }

 private:
  size_t k_ = 0;
  std::vector<Entry> heap_;
};

}  // namespace quiver
