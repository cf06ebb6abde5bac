// Scalar references for the block kernels (block.h): each (query, row) sum
// as the one-pair scalar kernels compute it, float accumulation in element
// order.
#include "kernels/block.h"
#include "kernels/distance.h"

namespace quiver::kernels {

void l2_squared_f32_block_scalar(const float* queries, size_t nq, size_t query_stride,
                                 const float* rows, size_t n, size_t row_stride, size_t dim,
                                 float* out, size_t out_stride) {
  for (size_t q = 0; q < nq; ++q)
    for (size_t r = 0; r < n; ++r)
      out[q * out_stride + r] =
          l2_squared_f32_scalar(queries + q * query_stride, rows + r * row_stride, dim);
}

void dot_f32_block_scalar(const float* queries, size_t nq, size_t query_stride, const float* rows,
                          size_t n, size_t row_stride, size_t dim, float* out, size_t out_stride) {
  for (size_t q = 0; q < nq; ++q)
    for (size_t r = 0; r < n; ++r)
      out[q * out_stride + r] =
          dot_f32_scalar(queries + q * query_stride, rows + r * row_stride, dim);
}

}  // namespace quiver::kernels
