// Distances of a block of queries against a block of rows: the inner loop of
// exact batch search (a FLAT scan of many queries at once).
//
// A one-query kernel reads every row once per query, so a batch costs a full
// pass over the rows per query and waits on memory. These kernels compute a
// nq x n block of sums at once, a micro-block of a few queries by a few rows
// at a time: each row vector loaded from memory serves every query of the
// micro-block, and the caller keeps its block of queries in cache while the
// rows stream past, so the work is bound by arithmetic, not by memory.
//
// Exact, unlike a GEMM of |q|^2 + |x|^2 - 2 q.x: L2 sums (q_i - x_i)^2 term
// by term, so near-copies keep their order. Every (query, row) sum is
// computed in the same order whatever nq, n, strides and the pair's place
// in the block: one accumulator vector per pair over the full vectors of
// dim, then the zero-padded tail, then a sum of the lanes. So the block of
// one query by n rows gives bit for bit the sums of a block of many
// queries, which lets a single search and a batch search agree exactly.
//
// As in distance.h, each kernel has a scalar reference (block_scalar.cpp)
// and a SIMD version (block_simd.cpp) compiled for every Highway target and
// dispatched once; tests compare the two on every target the CPU runs.
// Any dim (0 gives 0), unaligned pointers; nothing is read past the `dim`
// floats of each query and row.
#pragma once

#include <cstddef>

namespace quiver::kernels {

// out[q * out_stride + r] = sum over i < dim of f(query q [i], row r [i]) for
// q < nq, r < n; query q at queries + q * query_stride, row r at
// rows + r * row_stride (strides in floats, at least dim; out_stride >= n).
using BlockF32 = void (*)(const float* queries, size_t nq, size_t query_stride, const float* rows,
                          size_t n, size_t row_stride, size_t dim, float* out, size_t out_stride);

// --- SIMD, dispatched to the best target of this CPU --------------------------
BlockF32 l2_squared_f32_block_fn();  // f = (q_i - x_i)^2
BlockF32 dot_f32_block_fn();         // f = q_i * x_i

// --- Scalar references --------------------------------------------------------
void l2_squared_f32_block_scalar(const float* queries, size_t nq, size_t query_stride,
                                 const float* rows, size_t n, size_t row_stride, size_t dim,
                                 float* out, size_t out_stride);
void dot_f32_block_scalar(const float* queries, size_t nq, size_t query_stride, const float* rows,
                          size_t n, size_t row_stride, size_t dim, float* out, size_t out_stride);

// --- Testing hook: the kernels of every compiled SIMD target ------------------
struct BlockKernels {
  const char* target;  // hwy::TargetName, e.g. "AVX3"
  BlockF32 l2_squared_f32;
  BlockF32 dot_f32;
};

// As simd_kernels_for_all_targets (distance.h): entry 0 is what the getters
// above return.
size_t block_kernels_for_all_targets(BlockKernels* out, size_t max);

}  // namespace quiver::kernels
