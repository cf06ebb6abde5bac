// Compiled with -O3 -march=native (see CMakeLists.txt). Queries are handled
// in blocks of kQueryBlock so that each base row, once loaded, serves several
// queries: base is streamed from memory n_queries / kQueryBlock times.
#include "groundtruth.h"

#include <algorithm>
#include <utility>

#include "thread_pool.h"

namespace qvb {

namespace {

constexpr size_t kQueryBlock = 8;
constexpr size_t kLanes = 16;

// Squared L2 with kLanes independent accumulators, which the compiler turns
// into SIMD without -ffast-math.
inline float l2sq(const float* a, const float* b, size_t d) {
  float acc[kLanes] = {};
  size_t j = 0;
  for (; j + kLanes <= d; j += kLanes)
    for (size_t l = 0; l < kLanes; ++l) {
      float t = a[j + l] - b[j + l];
      acc[l] += t * t;
    }
  float s = 0;
  for (; j < d; ++j) {
    float t = a[j] - b[j];
    s += t * t;
  }
  for (size_t l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

using Hit = std::pair<float, uint32_t>;  // (distance, id); max-heap by operator<

}  // namespace

std::vector<uint32_t> brute_force_knn(const Matrix& base, const Matrix& queries, size_t k,
                                      unsigned threads) {
  k = std::min(k, base.n);
  std::vector<uint32_t> out(queries.n * k);
  const size_t blocks = (queries.n + kQueryBlock - 1) / kQueryBlock;
  ThreadPool pool(threads);
  pool.run(blocks, 1, [&](size_t b0, size_t b1) {
    std::vector<Hit> heaps[kQueryBlock];
    for (size_t b = b0; b < b1; ++b) {
      const size_t q0 = b * kQueryBlock, q1 = std::min(queries.n, q0 + kQueryBlock);
      for (auto& h : heaps) h.clear();
      for (size_t i = 0; i < base.n; ++i) {
        const float* x = base.row(i);
        for (size_t q = q0; q < q1; ++q) {
          float dist = l2sq(x, queries.row(q), base.d);
          auto& h = heaps[q - q0];
          Hit hit{dist, static_cast<uint32_t>(i)};
          if (h.size() < k) {
            h.push_back(hit);
            std::push_heap(h.begin(), h.end());
          } else if (hit < h.front()) {
            std::pop_heap(h.begin(), h.end());
            h.back() = hit;
            std::push_heap(h.begin(), h.end());
          }
        }
      }
      for (size_t q = q0; q < q1; ++q) {
        auto& h = heaps[q - q0];
        std::sort(h.begin(), h.end());
        for (size_t j = 0; j < h.size(); ++j) out[q * k + j] = h[j].second;
      }
    }
  });
  return out;
}

}  // namespace qvb
