// A metric bound to its SIMD kernel, resolved once per index.
#pragma once

#include <cstddef>
#include <limits>

#include "core/metric.h"
#include "kernels/block.h"
#include "kernels/distance.h"

namespace quiver {

// Cosine vectors are normalised on the way in, so cosine and inner product
// share the dot kernel: distance = 1 - dot.
//
// A distance is never NaN, so heaps and sorts of distances stay ordered.
// Vectors that pass check_vector cannot give one (kMaxVectorLength says
// why); an image written before that limit may hold longer vectors, whose
// +inf and -inf partial sums give NaN: such a distance is +inf instead
// (farthest; FLAT scans keep only distances below +inf).
class MetricDistance {
 public:
  explicit MetricDistance(Metric metric)
      : is_dot_(metric != Metric::L2),
        fn_(is_dot_ ? kernels::dot_f32_fn() : kernels::l2_squared_f32_fn()),
        four_(is_dot_ ? kernels::dot_f32_x4_fn() : kernels::l2_squared_f32_x4_fn()),
        block_(is_dot_ ? kernels::dot_f32_block_fn() : kernels::l2_squared_f32_block_fn()) {}

  float operator()(const float* a, const float* b, size_t dim) const {
    return finish(fn_(a, b, dim));
  }
  // out[i] = distance(query, rows[i]) for i = 0..3.
  void four(const float* query, const float* const* rows, size_t dim, float* out) const {
    four_(query, rows, dim, out);
    for (int i = 0; i < 4; ++i) out[i] = finish(out[i]);
  }
  // out[i] = distance(query, row i) for n rows at base + i*stride.
  void many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
            float* out) const {
    if (is_dot_)
      kernels::dot_f32_many(query, base, n, dim, stride, out);
    else
      kernels::l2_squared_f32_many(query, base, n, dim, stride, out);
    for (size_t i = 0; i < n; ++i) out[i] = finish(out[i]);
  }
  // out[q * n + r] = distance(query q, row r) for nq queries at queries +
  // q*dim and n rows at rows + r*dim (kernels/block.h: each distance has
  // the same bits whatever nq and n).
  void block(const float* queries, size_t nq, const float* rows, size_t n, size_t dim,
             float* out) const {
    block_(queries, nq, dim, rows, n, dim, dim, out, n);
    for (size_t i = 0; i < nq * n; ++i) out[i] = finish(out[i]);
  }

 private:
  // The kernel's sum as a distance: 1 - dot under IP and cosine; NaN as +inf.
  float finish(float sum) const {
    const float d = is_dot_ ? 1.0f - sum : sum;
    return d == d ? d : std::numeric_limits<float>::infinity();
  }

  bool is_dot_;
  kernels::DistanceF32 fn_;
  kernels::DistanceF32x4 four_;
  kernels::BlockF32 block_;
};

}  // namespace quiver
