// Data types shared by the whole harness.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace qvb {

// A row-major n x d matrix of float32.
struct Matrix {
  size_t n = 0;
  size_t d = 0;
  std::vector<float> data;

  const float* row(size_t i) const { return data.data() + i * d; }
  float* row(size_t i) { return data.data() + i * d; }
  size_t bytes() const { return data.size() * sizeof(float); }
};

// Dataset::self_ids entry of a query that is not a base vector.
constexpr uint32_t kNoSelf = std::numeric_limits<uint32_t>::max();

// Base vectors, queries and exact ground truth (L2) for one benchmark.
struct Dataset {
  std::string name;         // "siftsmall", "random", ...
  std::string description;  // where the vectors come from, how they were split
  bool generated = false;   // synthetic data (not representative of real use)
  // Every row has length 1, so L2 ranks as cosine does: engines measured
  // under L2 and a cosine-only index (Quiver's b1) share one ground truth.
  bool unit_rows = false;
  Matrix base;
  Matrix queries;
  size_t gt_k = 0;           // neighbours per query stored in gt
  std::vector<uint32_t> gt;  // queries.n x gt_k base row ids, nearest first
  std::string gt_source;     // "file ..." or "brute force"
  // Per query: the base row it is an exact copy of, or kNoSelf. Empty when no
  // query is a base vector. Gives self-recall (see recall.h).
  std::vector<uint32_t> self_ids;
};

// Monotonic wall clock in seconds.
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace qvb
