// SIMD block kernels (block.h), compiled by Highway once per target (this
// file re-includes itself through foreach_target.h) and dispatched at run
// time to the best target of the running CPU.
//
// The block is walked a micro-block of kR rows at a time (outer loop; those
// rows stay in L1) against every micro-block of kQ queries (inner loop; the
// caller sizes the block of queries to stay in L2). A micro-block keeps its
// kQ x kR accumulators in registers: per vector of lanes it loads kQ + kR
// vectors for kQ x kR multiply-adds, where a one-pair kernel loads two per
// multiply-add. Rows past n in the last micro-block repeat the last row and
// their sums are dropped; the kQ queries are exact (a micro-block of each
// smaller height handles the leftover queries), so one query costs no more
// than one query's work. While the first queries run on a micro-block, the
// next micro-block of rows is prefetched: several interleaved row streams
// defeat the hardware prefetcher (measured: a single query fell to 60% of
// the one-pair kernel's speed out of cache without it).
//
// Order of each sum (block.h promises it does not depend on the block): one
// accumulator vector per pair, full vectors in element order, then the tail
// (zero-padded), then the lanes in a fixed order (SumLanes4).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/block.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/block_simd.cpp"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/simd_helpers-inl.h"

HWY_BEFORE_NAMESPACE();
namespace quiver::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

// Micro-block shape: kQ x kR accumulators plus kQ query vectors, one row
// vector and one difference must fit the register file (32 vector registers
// on AVX-512 and NEON, 16 on AVX2 and SSE).
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3 || \
    HWY_TARGET == HWY_EMU128 || HWY_TARGET == HWY_SCALAR
constexpr size_t kQ = 3, kR = 3;
#else
constexpr size_t kQ = 4, kR = 5;
#endif
// A single query runs against this many rows at once.
constexpr size_t kR1 = 8;

template <bool kL2>
HWY_INLINE VF Accumulate(VF q, VF x, VF sum) {
  if constexpr (kL2) {
    const VF diff = hn::Sub(q, x);
    return hn::MulAdd(diff, diff, sum);
  } else {
    return hn::MulAdd(q, x, sum);
  }
}

#if HWY_HAVE_SCALABLE
HWY_INLINE float SumLanes(DF d, VF v) { return hn::GetLane(hn::SumOfLanes(d, v)); }
#elif HWY_TARGET == HWY_SCALAR
HWY_INLINE void SumLanes4(DF /*d*/, VF v0, VF v1, VF v2, VF v3, float* out) {
  out[0] = hn::GetLane(v0), out[1] = hn::GetLane(v1);
  out[2] = hn::GetLane(v2), out[3] = hn::GetLane(v3);
}
#else
// Adds the upper half of v to the lower until one 128-bit block is left.
template <class D>
HWY_INLINE hn::Vec<hn::Full128<float> > FoldBlocks(D d, hn::Vec<D> v) {
  if constexpr (hn::MaxLanes(d) > 4) {
    const hn::Half<D> dh;
    return FoldBlocks(dh, hn::Add(hn::LowerHalf(dh, v), hn::UpperHalf(dh, v)));
  } else {
    return v;
  }
}

// The lane sums of four vectors at once (a quarter of the adds of four
// SumOfLanes). Each sum is added in the same order whatever the other three
// vectors: in each 128-bit block (lanes 0 + 2) + (lanes 1 + 3), then the
// blocks folded in halves.
HWY_INLINE void SumLanes4(DF d, VF v0, VF v1, VF v2, VF v3, float* out) {
  const VF s01 = hn::Add(hn::InterleaveLower(d, v0, v1), hn::InterleaveUpper(d, v0, v1));
  const VF s23 = hn::Add(hn::InterleaveLower(d, v2, v3), hn::InterleaveUpper(d, v2, v3));
  const hn::Repartition<uint64_t, DF> d64;  // pairs of sums move together
  const auto a = hn::BitCast(d64, s01), b = hn::BitCast(d64, s23);
  const VF lo = hn::BitCast(d, hn::InterleaveLower(d64, a, b));
  const VF hi = hn::BitCast(d, hn::InterleaveUpper(d64, a, b));
  hn::StoreU(FoldBlocks(d, hn::Add(lo, hi)), hn::Full128<float>(), out);
}
#endif

constexpr size_t kTailFloats = HWY_MAX_BYTES / sizeof(float);

#if HWY_HAVE_SCALABLE
// Sizeless vectors cannot live in arrays: one pair at a time, same order.
template <size_t kQs, size_t kRs, bool kL2>
HWY_INLINE void Micro(const float* const* q, const float* const* x, const float* /*next*/,
                      size_t /*next_stride*/, size_t dim, size_t rows, float* out,
                      size_t out_stride) {
  const DF d;
  const size_t N = hn::Lanes(d);
  for (size_t a = 0; a < kQs; ++a) {
    for (size_t b = 0; b < rows; ++b) {
      VF sum = hn::Zero(d);
      size_t i = 0;
      for (; i + N <= dim; i += N)
        sum = Accumulate<kL2>(hn::LoadU(d, q[a] + i), hn::LoadU(d, x[b] + i), sum);
      if (i < dim) {
        float tq[kTailFloats], tx[kTailFloats];
        PadTail(q[a] + i, dim - i, tq, N);
        PadTail(x[b] + i, dim - i, tx, N);
        sum = Accumulate<kL2>(hn::LoadU(d, tq), hn::LoadU(d, tx), sum);
      }
      out[a * out_stride + b] = SumLanes(d, sum);
    }
  }
}
#else
// kQs queries q[] by kRs rows x[]; writes the sums of the first `rows` rows.
template <size_t kQs, size_t kRs, bool kL2>
HWY_INLINE void Micro(const float* const* q, const float* const* x, const float* next,
                      size_t next_stride, size_t dim, size_t rows, float* out, size_t out_stride) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF sum[kQs][kRs];
  for (size_t a = 0; a < kQs; ++a)
    for (size_t b = 0; b < kRs; ++b) sum[a][b] = hn::Zero(d);
  // One vector of lanes of every pair; load_q(a) and load_x(b) give the
  // vectors of query a and row b.
  auto step = [&](auto load_q, auto load_x) {
    VF vq[kQs];
    for (size_t a = 0; a < kQs; ++a) vq[a] = load_q(a);
    for (size_t b = 0; b < kRs; ++b) {
      const VF vx = load_x(b);
      for (size_t a = 0; a < kQs; ++a) sum[a][b] = Accumulate<kL2>(vq[a], vx, sum[a][b]);
    }
  };
  size_t i = 0;
  auto load_q = [&](size_t a) { return hn::LoadU(d, q[a] + i); };
  auto load_x = [&](size_t b) { return hn::LoadU(d, x[b] + i); };
  if (next) {
    for (; i + N <= dim; i += N) {
      for (size_t b = 0; b < kRs; ++b) hwy::Prefetch(next + b * next_stride + i);
      step(load_q, load_x);
    }
  } else {
    for (; i + N <= dim; i += N) step(load_q, load_x);
  }
  if (i < dim) {
#if HWY_TARGET <= HWY_AVX2
    // AVX2 and AVX-512 masked loads read nothing past the mask.
    const auto m = hn::FirstN(d, dim - i);
    step([&](size_t a) { return hn::MaskedLoad(m, d, q[a] + i); },
         [&](size_t b) { return hn::MaskedLoad(m, d, x[b] + i); });
#else
    float tq[kQs][kTailFloats], tx[kRs][kTailFloats];
    for (size_t a = 0; a < kQs; ++a) PadTail(q[a] + i, dim - i, tq[a], N);
    for (size_t b = 0; b < kRs; ++b) PadTail(x[b] + i, dim - i, tx[b], N);
    step([&](size_t a) { return hn::LoadU(d, tq[a]); },
         [&](size_t b) { return hn::LoadU(d, tx[b]); });
#endif
  }
  // Four sums at a time, the last group padded with repeats.
  constexpr size_t kPairs = kQs * kRs;
  float sums[(kPairs + 3) / 4 * 4];
  for (size_t p = 0; p < kPairs; p += 4) {
    auto at = [&](size_t j) { return std::min(p + j, kPairs - 1); };
    SumLanes4(d, sum[at(0) / kRs][at(0) % kRs], sum[at(1) / kRs][at(1) % kRs],
              sum[at(2) / kRs][at(2) % kRs], sum[at(3) / kRs][at(3) % kRs], sums + p);
  }
  for (size_t a = 0; a < kQs; ++a)
    for (size_t b = 0; b < rows; ++b) out[a * out_stride + b] = sums[a * kRs + b];
}
#endif

// Micro-block of `count` (1..kQs) queries.
template <size_t kQs, bool kL2>
HWY_INLINE void MicroOfHeight(size_t count, const float* const* q, const float* const* x,
                              const float* next, size_t next_stride, size_t dim, size_t rows,
                              float* out, size_t out_stride) {
  if constexpr (kQs > 1) {
    if (count < kQs)
      return MicroOfHeight<kQs - 1, kL2>(count, q, x, next, next_stride, dim, rows, out,
                                         out_stride);
  }
  Micro<kQs, kR, kL2>(q, x, next, next_stride, dim, rows, out, out_stride);
}

// The kRs rows from `first` (the last one repeated past n); returns how many
// are real. `next` is set to the micro-block after them when there is one
// whole, else to null.
template <size_t kRs>
HWY_INLINE size_t RowsFrom(const float* rows, size_t first, size_t n, size_t row_stride,
                           const float** x, const float** next) {
  const size_t count = std::min(kRs, n - first);
  for (size_t b = 0; b < kRs; ++b) x[b] = rows + (first + std::min(b, count - 1)) * row_stride;
  *next = first + 2 * kRs <= n ? rows + (first + kRs) * row_stride : nullptr;
  return count;
}

template <bool kL2>
HWY_INLINE void BlockImpl(const float* queries, size_t nq, size_t query_stride, const float* rows,
                          size_t n, size_t row_stride, size_t dim, float* out, size_t out_stride) {
  if (nq == 1) {
    // One query: wider micro-blocks of rows, for more sums in flight.
    for (size_t r0 = 0; r0 < n; r0 += kR1) {
      const float *x[kR1], *next;
      const size_t count = RowsFrom<kR1>(rows, r0, n, row_stride, x, &next);
      Micro<1, kR1, kL2>(&queries, x, next, row_stride, dim, count, out + r0, out_stride);
    }
    return;
  }
  for (size_t r0 = 0; r0 < n; r0 += kR) {
    const float *x[kR], *next;
    const size_t count = RowsFrom<kR>(rows, r0, n, row_stride, x, &next);
    for (size_t q0 = 0; q0 < nq; q0 += kQ) {
      const size_t height = std::min(kQ, nq - q0);
      const float* q[kQ];
      for (size_t a = 0; a < kQ; ++a)
        q[a] = queries + (q0 + std::min(a, height - 1)) * query_stride;
      // The next rows are fetched while the first queries run on these.
      MicroOfHeight<kQ, kL2>(height, q, x, q0 == 0 ? next : nullptr, row_stride, dim, count,
                             out + q0 * out_stride + r0, out_stride);
    }
  }
}

}  // namespace

void L2SquaredF32Block(const float* queries, size_t nq, size_t query_stride, const float* rows,
                       size_t n, size_t row_stride, size_t dim, float* out, size_t out_stride) {
  BlockImpl<true>(queries, nq, query_stride, rows, n, row_stride, dim, out, out_stride);
}

void DotF32Block(const float* queries, size_t nq, size_t query_stride, const float* rows, size_t n,
                 size_t row_stride, size_t dim, float* out, size_t out_stride) {
  BlockImpl<false>(queries, nq, query_stride, rows, n, row_stride, dim, out, out_stride);
}

int64_t BlockTargetBit() { return HWY_TARGET; }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace quiver::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/hwy_dispatch.h"

namespace quiver::kernels {

HWY_EXPORT(L2SquaredF32Block);
HWY_EXPORT(DotF32Block);
HWY_EXPORT(BlockTargetBit);

namespace {

BlockKernels BlockKernelsAt(size_t index) {
  BlockKernels k;
  k.target = hwy::TargetName(HWY_DISPATCH_TABLE(BlockTargetBit)[index]());
  k.l2_squared_f32 = HWY_DISPATCH_TABLE(L2SquaredF32Block)[index];
  k.dot_f32 = HWY_DISPATCH_TABLE(DotF32Block)[index];
  return k;
}

}  // namespace

BlockF32 l2_squared_f32_block_fn() { return HWY_DISPATCH_TABLE(L2SquaredF32Block)[ChosenIndex()]; }
BlockF32 dot_f32_block_fn() { return HWY_DISPATCH_TABLE(DotF32Block)[ChosenIndex()]; }

size_t block_kernels_for_all_targets(BlockKernels* out, size_t max) {
  return EntriesForAllTargets(out, max, BlockKernelsAt);
}

}  // namespace quiver::kernels
#endif  // HWY_ONCE
