// Per-target helpers shared by the SIMD kernel files (distance_simd.cpp,
// codes_simd.cpp): tags, zero-padded tails, lane sums and half loads.
// Highway's "-inl" pattern: included once per target from inside a file
// that re-includes itself through hwy/foreach_target.h, hence the toggled
// guard instead of #pragma once.
#if defined(QUIVER_KERNELS_SIMD_HELPERS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QUIVER_KERNELS_SIMD_HELPERS_INL_H_
#undef QUIVER_KERNELS_SIMD_HELPERS_INL_H_
#else
#define QUIVER_KERNELS_SIMD_HELPERS_INL_H_
#endif

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace quiver::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using DH = hn::Rebind<hwy::float16_t, DF>;  // as many halves as floats
using VF = hn::Vec<DF>;

// Upper bound on the lanes of any vector type, for the tail buffers.
constexpr size_t kMaxTailBytes = HWY_MAX_BYTES;

// Copies rem (< lanes) elements into buf and zero-fills the rest of buf.
template <typename T>
HWY_INLINE void PadTail(const T* src, size_t rem, T* buf, size_t lanes) {
  std::memset(buf, 0, lanes * sizeof(T));
  std::memcpy(buf, src, rem * sizeof(T));
}

HWY_INLINE float ReduceF(DF d, VF v) { return hn::GetLane(hn::SumOfLanes(d, v)); }

// Lanes(DF) halves from p, promoted to float.
HWY_INLINE VF LoadF16(DF df, const uint16_t* p) {
  const DH dh;
  return hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
}

}  // namespace HWY_NAMESPACE
}  // namespace quiver::kernels
HWY_AFTER_NAMESPACE();

#endif  // toggled include guard
