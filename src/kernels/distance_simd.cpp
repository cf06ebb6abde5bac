// SIMD distance kernels, compiled by Highway once per SIMD target (this file
// re-includes itself through foreach_target.h) and dispatched at run time to
// the best target of the running CPU. The choice is made once; the *_fn()
// getters hand out plain function pointers so callers pay no per-call
// dispatch cost.
//
// All kernels take any dimension and unaligned pointers: full vectors are
// loaded with LoadU, and the last partial vector is copied into a zero-padded
// buffer (zeros add nothing to any of the sums), so nothing is read past the
// end of the inputs.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/distance.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/distance_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/simd_helpers-inl.h"

HWY_BEFORE_NAMESPACE();
namespace quiver::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ------------------------------ float32

HWY_INLINE float L2SquaredF32Impl(const float* a, const float* b, size_t dim) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    const VF d0 = hn::Sub(hn::LoadU(d, a + i), hn::LoadU(d, b + i));
    const VF d1 = hn::Sub(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N));
    const VF d2 = hn::Sub(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N));
    const VF d3 = hn::Sub(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N));
    s0 = hn::MulAdd(d0, d0, s0);
    s1 = hn::MulAdd(d1, d1, s1);
    s2 = hn::MulAdd(d2, d2, s2);
    s3 = hn::MulAdd(d3, d3, s3);
  }
  for (; i + N <= dim; i += N) {
    const VF d0 = hn::Sub(hn::LoadU(d, a + i), hn::LoadU(d, b + i));
    s0 = hn::MulAdd(d0, d0, s0);
  }
  if (i < dim) {
    float ta[kMaxTailBytes / sizeof(float)], tb[kMaxTailBytes / sizeof(float)];
    PadTail(a + i, dim - i, ta, N);
    PadTail(b + i, dim - i, tb, N);
    const VF d0 = hn::Sub(hn::LoadU(d, ta), hn::LoadU(d, tb));
    s1 = hn::MulAdd(d0, d0, s1);
  }
  return ReduceF(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

HWY_INLINE float DotF32Impl(const float* a, const float* b, size_t dim) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
    s1 = hn::MulAdd(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N), s1);
    s2 = hn::MulAdd(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N), s2);
    s3 = hn::MulAdd(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N), s3);
  }
  for (; i + N <= dim; i += N) {
    s0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), s0);
  }
  if (i < dim) {
    float ta[kMaxTailBytes / sizeof(float)], tb[kMaxTailBytes / sizeof(float)];
    PadTail(a + i, dim - i, ta, N);
    PadTail(b + i, dim - i, tb, N);
    s1 = hn::MulAdd(hn::LoadU(d, ta), hn::LoadU(d, tb), s1);
  }
  return ReduceF(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// dot, |a|^2 and |b|^2 in one pass (two vectors per step: 6 accumulators).
HWY_INLINE float CosineDistanceF32Impl(const float* a, const float* b, size_t dim) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF dot0 = hn::Zero(d), dot1 = hn::Zero(d);
  VF aa0 = hn::Zero(d), aa1 = hn::Zero(d);
  VF bb0 = hn::Zero(d), bb1 = hn::Zero(d);
  size_t i = 0;
  for (; i + 2 * N <= dim; i += 2 * N) {
    const VF a0 = hn::LoadU(d, a + i), b0 = hn::LoadU(d, b + i);
    const VF a1 = hn::LoadU(d, a + i + N), b1 = hn::LoadU(d, b + i + N);
    dot0 = hn::MulAdd(a0, b0, dot0);
    aa0 = hn::MulAdd(a0, a0, aa0);
    bb0 = hn::MulAdd(b0, b0, bb0);
    dot1 = hn::MulAdd(a1, b1, dot1);
    aa1 = hn::MulAdd(a1, a1, aa1);
    bb1 = hn::MulAdd(b1, b1, bb1);
  }
  for (; i + N <= dim; i += N) {
    const VF a0 = hn::LoadU(d, a + i), b0 = hn::LoadU(d, b + i);
    dot0 = hn::MulAdd(a0, b0, dot0);
    aa0 = hn::MulAdd(a0, a0, aa0);
    bb0 = hn::MulAdd(b0, b0, bb0);
  }
  if (i < dim) {
    float ta[kMaxTailBytes / sizeof(float)], tb[kMaxTailBytes / sizeof(float)];
    PadTail(a + i, dim - i, ta, N);
    PadTail(b + i, dim - i, tb, N);
    const VF a1 = hn::LoadU(d, ta), b1 = hn::LoadU(d, tb);
    dot1 = hn::MulAdd(a1, b1, dot1);
    aa1 = hn::MulAdd(a1, a1, aa1);
    bb1 = hn::MulAdd(b1, b1, bb1);
  }
  const float dot = ReduceF(d, hn::Add(dot0, dot1));
  const float norm_a = ReduceF(d, hn::Add(aa0, aa1));
  const float norm_b = ReduceF(d, hn::Add(bb0, bb1));
  if (norm_a == 0.0f || norm_b == 0.0f) return 1.0f;
  return 1.0f - dot / (std::sqrt(norm_a) * std::sqrt(norm_b));
}

// ------------------------------ float16 (promoted to float32)

HWY_INLINE float L2SquaredF16Impl(const uint16_t* a, const uint16_t* b, size_t dim) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    const VF d0 = hn::Sub(LoadF16(d, a + i), LoadF16(d, b + i));
    const VF d1 = hn::Sub(LoadF16(d, a + i + N), LoadF16(d, b + i + N));
    const VF d2 = hn::Sub(LoadF16(d, a + i + 2 * N), LoadF16(d, b + i + 2 * N));
    const VF d3 = hn::Sub(LoadF16(d, a + i + 3 * N), LoadF16(d, b + i + 3 * N));
    s0 = hn::MulAdd(d0, d0, s0);
    s1 = hn::MulAdd(d1, d1, s1);
    s2 = hn::MulAdd(d2, d2, s2);
    s3 = hn::MulAdd(d3, d3, s3);
  }
  for (; i + N <= dim; i += N) {
    const VF d0 = hn::Sub(LoadF16(d, a + i), LoadF16(d, b + i));
    s0 = hn::MulAdd(d0, d0, s0);
  }
  if (i < dim) {
    uint16_t ta[kMaxTailBytes / sizeof(float)], tb[kMaxTailBytes / sizeof(float)];
    PadTail(a + i, dim - i, ta, N);
    PadTail(b + i, dim - i, tb, N);
    const VF d0 = hn::Sub(LoadF16(d, ta), LoadF16(d, tb));
    s1 = hn::MulAdd(d0, d0, s1);
  }
  return ReduceF(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

HWY_INLINE float DotF16Impl(const uint16_t* a, const uint16_t* b, size_t dim) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    s0 = hn::MulAdd(LoadF16(d, a + i), LoadF16(d, b + i), s0);
    s1 = hn::MulAdd(LoadF16(d, a + i + N), LoadF16(d, b + i + N), s1);
    s2 = hn::MulAdd(LoadF16(d, a + i + 2 * N), LoadF16(d, b + i + 2 * N), s2);
    s3 = hn::MulAdd(LoadF16(d, a + i + 3 * N), LoadF16(d, b + i + 3 * N), s3);
  }
  for (; i + N <= dim; i += N) {
    s0 = hn::MulAdd(LoadF16(d, a + i), LoadF16(d, b + i), s0);
  }
  if (i < dim) {
    uint16_t ta[kMaxTailBytes / sizeof(float)], tb[kMaxTailBytes / sizeof(float)];
    PadTail(a + i, dim - i, ta, N);
    PadTail(b + i, dim - i, tb, N);
    s1 = hn::MulAdd(LoadF16(d, ta), LoadF16(d, tb), s1);
  }
  return ReduceF(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// ------------------------------ exported (one instance per target)

float L2SquaredF32(const float* a, const float* b, size_t dim) {
  return L2SquaredF32Impl(a, b, dim);
}
float DotF32(const float* a, const float* b, size_t dim) { return DotF32Impl(a, b, dim); }
float CosineDistanceF32(const float* a, const float* b, size_t dim) {
  return CosineDistanceF32Impl(a, b, dim);
}
float L2SquaredF16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return L2SquaredF16Impl(a, b, dim);
}
float DotF16(const uint16_t* a, const uint16_t* b, size_t dim) { return DotF16Impl(a, b, dim); }

// Row loops stay inside the target so the kernel inlines: no call per row.
void L2SquaredF32Many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                      float* out) {
  for (size_t r = 0; r < n; ++r) out[r] = L2SquaredF32Impl(query, base + r * stride, dim);
}
void DotF32Many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                float* out) {
  for (size_t r = 0; r < n; ++r) out[r] = DotF32Impl(query, base + r * stride, dim);
}

// Four rows against one query: the query is loaded once per step and the
// four accumulator chains run side by side, so the loads of four (usually
// cache-missing) rows are in flight together.
template <bool kL2>
HWY_INLINE void FourRowsF32(const float* q, const float* const* rows, size_t dim, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const float* r0 = rows[0];
  const float* r1 = rows[1];
  const float* r2 = rows[2];
  const float* r3 = rows[3];
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  auto step = [&](const VF vq, const VF v0, const VF v1, const VF v2, const VF v3) {
    if constexpr (kL2) {
      const VF d0 = hn::Sub(vq, v0), d1 = hn::Sub(vq, v1);
      const VF d2 = hn::Sub(vq, v2), d3 = hn::Sub(vq, v3);
      s0 = hn::MulAdd(d0, d0, s0);
      s1 = hn::MulAdd(d1, d1, s1);
      s2 = hn::MulAdd(d2, d2, s2);
      s3 = hn::MulAdd(d3, d3, s3);
    } else {
      s0 = hn::MulAdd(vq, v0, s0);
      s1 = hn::MulAdd(vq, v1, s1);
      s2 = hn::MulAdd(vq, v2, s2);
      s3 = hn::MulAdd(vq, v3, s3);
    }
  };
  size_t i = 0;
  for (; i + N <= dim; i += N) {
    step(hn::LoadU(d, q + i), hn::LoadU(d, r0 + i), hn::LoadU(d, r1 + i), hn::LoadU(d, r2 + i),
         hn::LoadU(d, r3 + i));
  }
  if (i < dim) {
    float tq[kMaxTailBytes / sizeof(float)], t0[kMaxTailBytes / sizeof(float)],
        t1[kMaxTailBytes / sizeof(float)], t2[kMaxTailBytes / sizeof(float)],
        t3[kMaxTailBytes / sizeof(float)];
    PadTail(q + i, dim - i, tq, N);
    PadTail(r0 + i, dim - i, t0, N);
    PadTail(r1 + i, dim - i, t1, N);
    PadTail(r2 + i, dim - i, t2, N);
    PadTail(r3 + i, dim - i, t3, N);
    step(hn::LoadU(d, tq), hn::LoadU(d, t0), hn::LoadU(d, t1), hn::LoadU(d, t2), hn::LoadU(d, t3));
  }
  out[0] = ReduceF(d, s0);
  out[1] = ReduceF(d, s1);
  out[2] = ReduceF(d, s2);
  out[3] = ReduceF(d, s3);
}

void L2SquaredF32x4(const float* q, const float* const* rows, size_t dim, float* out) {
  FourRowsF32<true>(q, rows, dim, out);
}
void DotF32x4(const float* q, const float* const* rows, size_t dim, float* out) {
  FourRowsF32<false>(q, rows, dim, out);
}

int64_t TargetBit() { return HWY_TARGET; }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace quiver::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/hwy_dispatch.h"

namespace quiver::kernels {

HWY_EXPORT(L2SquaredF32);
HWY_EXPORT(DotF32);
HWY_EXPORT(CosineDistanceF32);
HWY_EXPORT(L2SquaredF16);
HWY_EXPORT(DotF16);
HWY_EXPORT(L2SquaredF32Many);
HWY_EXPORT(DotF32Many);
HWY_EXPORT(L2SquaredF32x4);
HWY_EXPORT(DotF32x4);
HWY_EXPORT(TargetBit);

namespace {

SimdKernels KernelsAt(size_t index) {
  SimdKernels k;
  k.target = hwy::TargetName(HWY_DISPATCH_TABLE(TargetBit)[index]());
  k.l2_squared_f32 = HWY_DISPATCH_TABLE(L2SquaredF32)[index];
  k.dot_f32 = HWY_DISPATCH_TABLE(DotF32)[index];
  k.cosine_distance_f32 = HWY_DISPATCH_TABLE(CosineDistanceF32)[index];
  k.l2_squared_f16 = HWY_DISPATCH_TABLE(L2SquaredF16)[index];
  k.dot_f16 = HWY_DISPATCH_TABLE(DotF16)[index];
  k.l2_squared_f32_many = HWY_DISPATCH_TABLE(L2SquaredF32Many)[index];
  k.dot_f32_many = HWY_DISPATCH_TABLE(DotF32Many)[index];
  k.l2_squared_f32_x4 = HWY_DISPATCH_TABLE(L2SquaredF32x4)[index];
  k.dot_f32_x4 = HWY_DISPATCH_TABLE(DotF32x4)[index];
  return k;
}

}  // namespace

DistanceF32 l2_squared_f32_fn() { return HWY_DISPATCH_TABLE(L2SquaredF32)[ChosenIndex()]; }
DistanceF32 dot_f32_fn() { return HWY_DISPATCH_TABLE(DotF32)[ChosenIndex()]; }
DistanceF32 cosine_distance_f32_fn() {
  return HWY_DISPATCH_TABLE(CosineDistanceF32)[ChosenIndex()];
}
DistanceF32x4 l2_squared_f32_x4_fn() { return HWY_DISPATCH_TABLE(L2SquaredF32x4)[ChosenIndex()]; }
DistanceF32x4 dot_f32_x4_fn() { return HWY_DISPATCH_TABLE(DotF32x4)[ChosenIndex()]; }
DistanceF16 l2_squared_f16_fn() { return HWY_DISPATCH_TABLE(L2SquaredF16)[ChosenIndex()]; }
DistanceF16 dot_f16_fn() { return HWY_DISPATCH_TABLE(DotF16)[ChosenIndex()]; }

void l2_squared_f32_many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                         float* out) {
  HWY_DISPATCH_TABLE(L2SquaredF32Many)[ChosenIndex()](query, base, n, dim, stride, out);
}

void dot_f32_many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                  float* out) {
  HWY_DISPATCH_TABLE(DotF32Many)[ChosenIndex()](query, base, n, dim, stride, out);
}

const char* simd_target_name() {
  return hwy::TargetName(HWY_DISPATCH_TABLE(TargetBit)[ChosenIndex()]());
}

size_t simd_kernels_for_all_targets(SimdKernels* out, size_t max) {
  return EntriesForAllTargets(out, max, KernelsAt);
}

}  // namespace quiver::kernels
#endif  // HWY_ONCE
