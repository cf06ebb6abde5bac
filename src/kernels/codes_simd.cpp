// SIMD kernels over compact codes (codes.h), compiled by Highway once per
// target (this file re-includes itself through foreach_target.h) and
// dispatched at run time to the best target of the running CPU.
//
// Besides the default targets this file also compiles AVX3_DL (Ice Lake,
// Zen 4 and later), which the installed Highway (1.0) only builds on request:
// there the int8 kernels use AVX-512 VNNI (vpdpbusd for dot products,
// vpdpwssd for L2) and the 1-bit kernels VPOPCNTDQ. Elsewhere int8 uses
// Highway's ReorderWidenMulAccumulate (vpmaddwd on x86) and 1-bit a
// byte-table popcount (pshufb) summed per 64-bit lane (psadbw).
//
// Tails shorter than a vector are copied into zero-padded buffers or loaded
// with zero-masked loads (zeros add nothing to any sum), so nothing is read
// past the end of the inputs.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL  // before the first Highway header
#endif

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/codes.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/codes_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/simd_helpers-inl.h"

// Highway 1.0's AVX3_DL target string names "avxvnni" (the VEX form) but not
// "avx512vnni", which vpdpbusd and vpdpwssd on 512-bit vectors need; every
// CPU that has AVX3_DL has it. So that target pushes its own attribute set
// (what HWY_BEFORE_NAMESPACE pushes, plus avx512vnni) for GCC and clang
// alike; HWY_AFTER_NAMESPACE pops either.
#if HWY_TARGET == HWY_AVX3_DL
HWY_PUSH_ATTRIBUTES(HWY_TARGET_STR ",avx512vnni")
static_assert(true, "for the semicolon");
#else
HWY_BEFORE_NAMESPACE();
#endif
namespace quiver::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ------------------------------ f16 rows against a float32 query

template <bool kL2>
HWY_INLINE VF AccF(VF q, VF r, VF sum) {
  if constexpr (kL2) {
    const VF d = hn::Sub(q, r);
    return hn::MulAdd(d, d, sum);
  } else {
    return hn::MulAdd(q, r, sum);
  }
}

template <bool kL2>
HWY_INLINE float OneRowF16(const float* q, const uint16_t* r, size_t dim) {
  const DF d;
  const size_t N = hn::Lanes(d);
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    s0 = AccF<kL2>(hn::LoadU(d, q + i), LoadF16(d, r + i), s0);
    s1 = AccF<kL2>(hn::LoadU(d, q + i + N), LoadF16(d, r + i + N), s1);
    s2 = AccF<kL2>(hn::LoadU(d, q + i + 2 * N), LoadF16(d, r + i + 2 * N), s2);
    s3 = AccF<kL2>(hn::LoadU(d, q + i + 3 * N), LoadF16(d, r + i + 3 * N), s3);
  }
  for (; i + N <= dim; i += N) s0 = AccF<kL2>(hn::LoadU(d, q + i), LoadF16(d, r + i), s0);
  if (i < dim) {
    float tq[kMaxTailBytes / sizeof(float)];
    uint16_t tr[kMaxTailBytes / sizeof(float)];
    PadTail(q + i, dim - i, tq, N);
    PadTail(r + i, dim - i, tr, N);
    s1 = AccF<kL2>(hn::LoadU(d, tq), LoadF16(d, tr), s1);
  }
  return ReduceF(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3)));
}

// The query is loaded once per step for four rows whose (usually
// cache-missing) loads are in flight together.
template <bool kL2>
HWY_INLINE void FourRowsF16(const float* q, const uint16_t* const* rows, size_t dim, float* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const uint16_t* r0 = rows[0];
  const uint16_t* r1 = rows[1];
  const uint16_t* r2 = rows[2];
  const uint16_t* r3 = rows[3];
  VF s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= dim; i += N) {
    const VF vq = hn::LoadU(d, q + i);
    s0 = AccF<kL2>(vq, LoadF16(d, r0 + i), s0);
    s1 = AccF<kL2>(vq, LoadF16(d, r1 + i), s1);
    s2 = AccF<kL2>(vq, LoadF16(d, r2 + i), s2);
    s3 = AccF<kL2>(vq, LoadF16(d, r3 + i), s3);
  }
  if (i < dim) {
    constexpr size_t kLanes = kMaxTailBytes / sizeof(float);
    float tq[kLanes];
    uint16_t t0[kLanes], t1[kLanes], t2[kLanes], t3[kLanes];
    PadTail(q + i, dim - i, tq, N);
    PadTail(r0 + i, dim - i, t0, N);
    PadTail(r1 + i, dim - i, t1, N);
    PadTail(r2 + i, dim - i, t2, N);
    PadTail(r3 + i, dim - i, t3, N);
    const VF vq = hn::LoadU(d, tq);
    s0 = AccF<kL2>(vq, LoadF16(d, t0), s0);
    s1 = AccF<kL2>(vq, LoadF16(d, t1), s1);
    s2 = AccF<kL2>(vq, LoadF16(d, t2), s2);
    s3 = AccF<kL2>(vq, LoadF16(d, t3), s3);
  }
  out[0] = ReduceF(d, s0);
  out[1] = ReduceF(d, s1);
  out[2] = ReduceF(d, s2);
  out[3] = ReduceF(d, s3);
}

float L2SquaredF32F16(const float* q, const uint16_t* r, size_t dim) {
  return OneRowF16<true>(q, r, dim);
}
float DotF32F16(const float* q, const uint16_t* r, size_t dim) {
  return OneRowF16<false>(q, r, dim);
}
void L2SquaredF32F16x4(const float* q, const uint16_t* const* rows, size_t dim, float* out) {
  FourRowsF16<true>(q, rows, dim, out);
}
void DotF32F16x4(const float* q, const uint16_t* const* rows, size_t dim, float* out) {
  FourRowsF16<false>(q, rows, dim, out);
}

// ------------------------------ f32 <-> f16 vectors
//
// F16C (x86 AVX2 and up) converts with round-to-nearest-even and handles
// subnormals, Inf and NaN. Highway's emulation for older targets truncates
// and maps Inf to finite values, so those use the scalar conversions (adding
// vectors to an index is not the hot path).

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
void F32ToF16Vector(const float* in, size_t n, uint16_t* out) {
  const DF df;
  const DH dh;
  const size_t N = hn::Lanes(df);
  const VF hi = hn::Set(df, kF16Max), lo = hn::Set(df, -kF16Max);
  auto convert = [&](VF v, uint16_t* dst) {
    // x86 min/max return their second operand when one is NaN: NaN passes.
    v = hn::Max(lo, hn::Min(hi, v));
    hn::StoreU(hn::DemoteTo(dh, v), dh, reinterpret_cast<hwy::float16_t*>(dst));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) convert(hn::LoadU(df, in + i), out + i);
  if (i < n) {
    float t[kMaxTailBytes / sizeof(float)];
    uint16_t h[kMaxTailBytes / sizeof(float)];
    PadTail(in + i, n - i, t, N);
    convert(hn::LoadU(df, t), h);
    std::memcpy(out + i, h, (n - i) * sizeof(uint16_t));
  }
}

void F16ToF32Vector(const uint16_t* in, size_t n, float* out) {
  const DF df;
  const size_t N = hn::Lanes(df);
  size_t i = 0;
  for (; i + N <= n; i += N) hn::StoreU(LoadF16(df, in + i), df, out + i);
  if (i < n) {
    uint16_t h[kMaxTailBytes / sizeof(float)];
    float t[kMaxTailBytes / sizeof(float)];
    PadTail(in + i, n - i, h, N);
    hn::StoreU(LoadF16(df, h), df, t);
    std::memcpy(out + i, t, (n - i) * sizeof(float));
  }
}
#else
void F32ToF16Vector(const float* in, size_t n, uint16_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = f32_to_f16_saturate(in[i]);
}
void F16ToF32Vector(const uint16_t* in, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = f16_to_f32(in[i]);
}
#endif

// ------------------------------ int8 codes (exact)
//
// Elements widen to i16 (|a - b| <= 255 fits) and pairs of i16 products
// accumulate in i32 lanes. A chunk of kI8Chunk elements sums to at most
// 32768 * 255^2 < 2^31 in magnitude, so its i32 sum is exact; chunks add up
// in int64. HWY_SCALAR (one lane, no i16 pairs) uses the scalar reference.

constexpr size_t kI8Chunk = 32768;

#if HWY_TARGET == HWY_SCALAR
int64_t L2SquaredI8(const int8_t* a, const int8_t* b, size_t dim) {
  return l2_squared_i8_scalar(a, b, dim);
}
int64_t DotI8(const int8_t* a, const int8_t* b, size_t dim) { return dot_i8_scalar(a, b, dim); }
void L2SquaredI8x4(const int8_t* q, const int8_t* const* rows, size_t dim, int64_t* out) {
  for (int r = 0; r < 4; ++r) out[r] = l2_squared_i8_scalar(q, rows[r], dim);
}
void DotI8x4(const int8_t* q, const int8_t* const* rows, size_t dim, int64_t* out) {
  for (int r = 0; r < 4; ++r) out[r] = dot_i8_scalar(q, rows[r], dim);
}
#else
using DI32 = hn::ScalableTag<int32_t>;
using DI16 = hn::Repartition<int16_t, DI32>;  // twice as many i16 as i32
using DI8 = hn::Rebind<int8_t, DI16>;         // as many i8 as i16 (half vector)
using VI16 = hn::Vec<DI16>;
using VI32 = hn::Vec<DI32>;

HWY_INLINE VI16 LoadI8(DI16 d16, const int8_t* p) {
  const DI8 d8;
  return hn::PromoteTo(d16, hn::LoadU(d8, p));
}

// sum += a * b, products of adjacent i16 pairs added in i32 lanes. Where
// Highway spreads the products over two accumulators, sum2 takes the rest.
HWY_INLINE VI32 MulPairsAdd(VI16 a, VI16 b, VI32 sum, VI32& sum2) {
#if HWY_TARGET == HWY_AVX3_DL
  (void)sum2;
  return VI32{_mm512_dpwssd_epi32(sum.raw, a.raw, b.raw)};
#else
  return hn::ReorderWidenMulAccumulate(DI32(), a, b, sum, sum2);
#endif
}

template <bool kL2>
HWY_INLINE VI32 AccI8(VI16 a, VI16 b, VI32 sum, VI32& sum2) {
  if constexpr (kL2) {
    const VI16 d = hn::Sub(a, b);
    return MulPairsAdd(d, d, sum, sum2);
  } else {
    return MulPairsAdd(a, b, sum, sum2);
  }
}

HWY_INLINE int32_t ReduceI(VI32 v) { return hn::GetLane(hn::SumOfLanes(DI32(), v)); }

// One chunk (n <= kI8Chunk), exact in int32.
template <bool kL2>
HWY_INLINE int32_t OneRowI8Chunk(const int8_t* a, const int8_t* b, size_t n) {
  const DI16 d16;
  const DI32 d32;
  const size_t N = hn::Lanes(d16);  // int8 elements per step
  VI32 s0 = hn::Zero(d32), s0b = hn::Zero(d32), s1 = hn::Zero(d32), s1b = hn::Zero(d32);
  size_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    s0 = AccI8<kL2>(LoadI8(d16, a + i), LoadI8(d16, b + i), s0, s0b);
    s1 = AccI8<kL2>(LoadI8(d16, a + i + N), LoadI8(d16, b + i + N), s1, s1b);
  }
  for (; i + N <= n; i += N) s0 = AccI8<kL2>(LoadI8(d16, a + i), LoadI8(d16, b + i), s0, s0b);
  if (i < n) {
    int8_t ta[kMaxTailBytes / sizeof(int16_t)], tb[kMaxTailBytes / sizeof(int16_t)];
    PadTail(a + i, n - i, ta, N);
    PadTail(b + i, n - i, tb, N);
    s1 = AccI8<kL2>(LoadI8(d16, ta), LoadI8(d16, tb), s1, s1b);
  }
  return ReduceI(hn::Add(hn::Add(s0, s0b), hn::Add(s1, s1b)));
}

template <bool kL2>
HWY_INLINE void FourRowsI8Chunk(const int8_t* q, const int8_t* const* rows, size_t offset, size_t n,
                                int64_t* out) {
  const DI16 d16;
  const DI32 d32;
  const size_t N = hn::Lanes(d16);
  const int8_t* r0 = rows[0] + offset;
  const int8_t* r1 = rows[1] + offset;
  const int8_t* r2 = rows[2] + offset;
  const int8_t* r3 = rows[3] + offset;
  q += offset;
  VI32 s0 = hn::Zero(d32), s1 = hn::Zero(d32), s2 = hn::Zero(d32), s3 = hn::Zero(d32);
  VI32 s0b = hn::Zero(d32), s1b = hn::Zero(d32), s2b = hn::Zero(d32), s3b = hn::Zero(d32);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const VI16 vq = LoadI8(d16, q + i);
    s0 = AccI8<kL2>(vq, LoadI8(d16, r0 + i), s0, s0b);
    s1 = AccI8<kL2>(vq, LoadI8(d16, r1 + i), s1, s1b);
    s2 = AccI8<kL2>(vq, LoadI8(d16, r2 + i), s2, s2b);
    s3 = AccI8<kL2>(vq, LoadI8(d16, r3 + i), s3, s3b);
  }
  if (i < n) {
    constexpr size_t kLanes = kMaxTailBytes / sizeof(int16_t);
    int8_t tq[kLanes], t0[kLanes], t1[kLanes], t2[kLanes], t3[kLanes];
    PadTail(q + i, n - i, tq, N);
    PadTail(r0 + i, n - i, t0, N);
    PadTail(r1 + i, n - i, t1, N);
    PadTail(r2 + i, n - i, t2, N);
    PadTail(r3 + i, n - i, t3, N);
    const VI16 vq = LoadI8(d16, tq);
    s0 = AccI8<kL2>(vq, LoadI8(d16, t0), s0, s0b);
    s1 = AccI8<kL2>(vq, LoadI8(d16, t1), s1, s1b);
    s2 = AccI8<kL2>(vq, LoadI8(d16, t2), s2, s2b);
    s3 = AccI8<kL2>(vq, LoadI8(d16, t3), s3, s3b);
  }
  out[0] += ReduceI(hn::Add(s0, s0b));
  out[1] += ReduceI(hn::Add(s1, s1b));
  out[2] += ReduceI(hn::Add(s2, s2b));
  out[3] += ReduceI(hn::Add(s3, s3b));
}

template <bool kL2>
HWY_INLINE int64_t OneRowI8(const int8_t* a, const int8_t* b, size_t dim) {
  int64_t sum = 0;
  for (size_t i = 0; i < dim; i += kI8Chunk) {
    sum += OneRowI8Chunk<kL2>(a + i, b + i, std::min(kI8Chunk, dim - i));
  }
  return sum;
}

template <bool kL2>
HWY_INLINE void FourRowsI8(const int8_t* q, const int8_t* const* rows, size_t dim, int64_t* out) {
  out[0] = out[1] = out[2] = out[3] = 0;
  for (size_t i = 0; i < dim; i += kI8Chunk) {
    FourRowsI8Chunk<kL2>(q, rows, i, std::min(kI8Chunk, dim - i), out);
  }
}

#if HWY_TARGET == HWY_AVX3_DL
// Dot products with vpdpbusd, which adds four u8 x s8 products into each i32
// lane (64 elements per instruction, four times vpdpwssd's rate):
//   dot(q, r) = sum((r_i + 128) * q_i) - 128 * sum(q_i),
// where r_i + 128 is r_i ^ 0x80 read as an unsigned byte, and sum(q_i) is
// one more vpdpbusd against bytes of 1. Per chunk |sum| <= 32768 * 255 * 128
// < 2^31. Tails use zero-masked loads (masked-off bytes are never touched).

HWY_INLINE __m512i LoadBytes(const int8_t* p, size_t n) {
  if (n >= 64) return _mm512_loadu_si512(p);
  return _mm512_maskz_loadu_epi8((uint64_t{1} << n) - 1, p);
}

template <size_t kRows>
HWY_INLINE void DotI8VnniChunk(const int8_t* q, const int8_t* const* rows, size_t offset, size_t n,
                               int64_t* out) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i sq = _mm512_setzero_si512();
  __m512i s[kRows];
  for (size_t r = 0; r < kRows; ++r) s[r] = _mm512_setzero_si512();
  for (size_t i = 0; i < n; i += 64) {
    const __m512i vq = LoadBytes(q + offset + i, n - i);
    sq = _mm512_dpbusd_epi32(sq, ones, vq);
    for (size_t r = 0; r < kRows; ++r) {
      const __m512i vr = _mm512_xor_si512(LoadBytes(rows[r] + offset + i, n - i), flip);
      s[r] = _mm512_dpbusd_epi32(s[r], vr, vq);
    }
  }
  const int64_t q_sum = _mm512_reduce_add_epi32(sq);
  for (size_t r = 0; r < kRows; ++r) out[r] += _mm512_reduce_add_epi32(s[r]) - 128 * q_sum;
}

int64_t DotI8(const int8_t* a, const int8_t* b, size_t dim) {
  int64_t sum = 0;
  for (size_t i = 0; i < dim; i += kI8Chunk)
    DotI8VnniChunk<1>(b, &a, i, std::min(kI8Chunk, dim - i), &sum);
  return sum;
}
void DotI8x4(const int8_t* q, const int8_t* const* rows, size_t dim, int64_t* out) {
  out[0] = out[1] = out[2] = out[3] = 0;
  for (size_t i = 0; i < dim; i += kI8Chunk)
    DotI8VnniChunk<4>(q, rows, i, std::min(kI8Chunk, dim - i), out);
}
#else
int64_t DotI8(const int8_t* a, const int8_t* b, size_t dim) { return OneRowI8<false>(a, b, dim); }
void DotI8x4(const int8_t* q, const int8_t* const* rows, size_t dim, int64_t* out) {
  FourRowsI8<false>(q, rows, dim, out);
}
#endif

int64_t L2SquaredI8(const int8_t* a, const int8_t* b, size_t dim) {
  return OneRowI8<true>(a, b, dim);
}
void L2SquaredI8x4(const int8_t* q, const int8_t* const* rows, size_t dim, int64_t* out) {
  FourRowsI8<true>(q, rows, dim, out);
}
#endif  // HWY_TARGET == HWY_SCALAR

// Same arithmetic as quantize_i8_scalar, lane by lane.
void QuantizeI8(const float* x, size_t dim, const float* offset, float inv_scale, int8_t* out) {
  const DF df;
  const hn::Rebind<int8_t, DF> d8;  // one int8 per float
  const size_t N = hn::Lanes(df);
  const VF scale = hn::Set(df, inv_scale);
  const VF lo = hn::Set(df, -127.0f), hi = hn::Set(df, 127.0f);
  auto code = [&](VF v, VF off, int8_t* dst) {
    v = hn::Mul(hn::Sub(v, off), scale);
    v = hn::IfThenZeroElse(hn::IsNaN(v), v);
    v = hn::Min(hn::Max(v, lo), hi);
    hn::StoreU(hn::DemoteTo(d8, hn::NearestInt(v)), d8, dst);
  };
  size_t i = 0;
  for (; i + N <= dim; i += N) {
    code(hn::LoadU(df, x + i), offset ? hn::LoadU(df, offset + i) : hn::Zero(df), out + i);
  }
  if (i < dim) {
    float tx[kMaxTailBytes / sizeof(float)], to[kMaxTailBytes / sizeof(float)];
    int8_t tc[kMaxTailBytes / sizeof(float)];
    PadTail(x + i, dim - i, tx, N);
    if (offset) {
      PadTail(offset + i, dim - i, to, N);
    } else {
      std::memset(to, 0, sizeof to);
    }
    code(hn::LoadU(df, tx), hn::LoadU(df, to), tc);
    std::memcpy(out + i, tc, dim - i);
  }
}

// ------------------------------ 1-bit codes

// The unused high bits of the last word (none when dim % 64 == 0).
HWY_INLINE uint64_t UsedBits(size_t dim) {
  return dim % 64 == 0 ? ~uint64_t{0} : (uint64_t{1} << (dim % 64)) - 1;
}

#if HWY_TARGET == HWY_SCALAR
uint64_t HammingB1(const uint64_t* a, const uint64_t* b, size_t dim) {
  return hamming_b1_scalar(a, b, dim);
}
void HammingB1x4(const uint64_t* q, const uint64_t* const* rows, size_t dim, uint64_t* out) {
  for (int r = 0; r < 4; ++r) out[r] = hamming_b1_scalar(q, rows[r], dim);
}
#else
using DU64 = hn::ScalableTag<uint64_t>;
using VU64 = hn::Vec<DU64>;

// Set bits per 64-bit lane.
HWY_INLINE VU64 PopCount64(VU64 v) {
#if HWY_TARGET == HWY_AVX3_DL
  return hn::PopulationCount(v);  // vpopcntq
#else
  const hn::Repartition<uint8_t, DU64> d8;
  return hn::SumsOf8(hn::PopulationCount(hn::BitCast(d8, v)));
#endif
}

HWY_INLINE uint64_t ReduceU(VU64 v) { return hn::GetLane(hn::SumOfLanes(DU64(), v)); }

// Whole vectors of words in SIMD; the few words after them (fewer than a
// vector) with scalar popcount, the last one masked to the dim bits.
uint64_t HammingB1(const uint64_t* a, const uint64_t* b, size_t dim) {
  const DU64 d;
  const size_t N = hn::Lanes(d);
  const size_t words = b1_words(dim);
  VU64 s0 = hn::Zero(d), s1 = hn::Zero(d);
  size_t w = 0;
  for (; w + 2 * N < words; w += 2 * N) {
    s0 = hn::Add(s0, PopCount64(hn::Xor(hn::LoadU(d, a + w), hn::LoadU(d, b + w))));
    s1 = hn::Add(s1, PopCount64(hn::Xor(hn::LoadU(d, a + w + N), hn::LoadU(d, b + w + N))));
  }
  for (; w + N < words; w += N) {
    s0 = hn::Add(s0, PopCount64(hn::Xor(hn::LoadU(d, a + w), hn::LoadU(d, b + w))));
  }
  uint64_t count = ReduceU(hn::Add(s0, s1));
  for (; w + 1 < words; ++w) count += static_cast<uint64_t>(std::popcount(a[w] ^ b[w]));
  if (w < words) count += static_cast<uint64_t>(std::popcount((a[w] ^ b[w]) & UsedBits(dim)));
  return count;
}

void HammingB1x4(const uint64_t* q, const uint64_t* const* rows, size_t dim, uint64_t* out) {
  const DU64 d;
  const size_t N = hn::Lanes(d);
  const size_t words = b1_words(dim);
  const uint64_t* r0 = rows[0];
  const uint64_t* r1 = rows[1];
  const uint64_t* r2 = rows[2];
  const uint64_t* r3 = rows[3];
  VU64 s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t w = 0;
  for (; w + N < words; w += N) {
    const VU64 vq = hn::LoadU(d, q + w);
    s0 = hn::Add(s0, PopCount64(hn::Xor(vq, hn::LoadU(d, r0 + w))));
    s1 = hn::Add(s1, PopCount64(hn::Xor(vq, hn::LoadU(d, r1 + w))));
    s2 = hn::Add(s2, PopCount64(hn::Xor(vq, hn::LoadU(d, r2 + w))));
    s3 = hn::Add(s3, PopCount64(hn::Xor(vq, hn::LoadU(d, r3 + w))));
  }
  uint64_t c0 = ReduceU(s0), c1 = ReduceU(s1), c2 = ReduceU(s2), c3 = ReduceU(s3);
  for (; w < words; ++w) {
    const uint64_t used = w + 1 == words ? UsedBits(dim) : ~uint64_t{0};
    c0 += static_cast<uint64_t>(std::popcount((q[w] ^ r0[w]) & used));
    c1 += static_cast<uint64_t>(std::popcount((q[w] ^ r1[w]) & used));
    c2 += static_cast<uint64_t>(std::popcount((q[w] ^ r2[w]) & used));
    c3 += static_cast<uint64_t>(std::popcount((q[w] ^ r3[w]) & used));
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}
#endif  // HWY_TARGET == HWY_SCALAR

// One 64-bit word per 64 floats: each vector's comparison mask lands in the
// word at its lane offset (vector lengths divide 64 on every target with at
// most 64 float lanes; longer ones take the scalar path).
void PackB1(const float* x, size_t dim, uint64_t* out) {
  const DF d;
  const size_t N = hn::Lanes(d);
  const size_t full = dim / 64;
  if (N > 64 || 64 % N != 0) return pack_b1_scalar(x, dim, out);
  const VF zero = hn::Zero(d);
  for (size_t w = 0; w < full; ++w) {
    uint64_t word = 0;
    for (size_t j = 0; j < 64; j += N) {
      uint8_t bytes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      hn::StoreMaskBits(d, hn::Gt(hn::LoadU(d, x + w * 64 + j), zero), bytes);
      uint64_t bits = 0;
      for (size_t k = 0; k < (N + 7) / 8; ++k) bits |= uint64_t{bytes[k]} << (8 * k);
      word |= bits << j;
    }
    out[w] = word;
  }
  if (dim % 64 != 0) {
    uint64_t word = 0;
    for (size_t i = full * 64; i < dim; ++i) {
      if (x[i] > 0.0f) word |= uint64_t{1} << (i % 64);
    }
    out[full] = word;
  }
}

int64_t CodeTargetBit() { return HWY_TARGET; }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace quiver::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels/hwy_dispatch.h"

namespace quiver::kernels {

HWY_EXPORT(L2SquaredF32F16);
HWY_EXPORT(DotF32F16);
HWY_EXPORT(L2SquaredF32F16x4);
HWY_EXPORT(DotF32F16x4);
HWY_EXPORT(F32ToF16Vector);
HWY_EXPORT(F16ToF32Vector);
HWY_EXPORT(L2SquaredI8);
HWY_EXPORT(DotI8);
HWY_EXPORT(L2SquaredI8x4);
HWY_EXPORT(DotI8x4);
HWY_EXPORT(QuantizeI8);
HWY_EXPORT(HammingB1);
HWY_EXPORT(HammingB1x4);
HWY_EXPORT(PackB1);
HWY_EXPORT(CodeTargetBit);

namespace {

CodeKernels CodeKernelsAt(size_t index) {
  CodeKernels k;
  k.target = hwy::TargetName(HWY_DISPATCH_TABLE(CodeTargetBit)[index]());
  k.l2_squared_f32_f16 = HWY_DISPATCH_TABLE(L2SquaredF32F16)[index];
  k.dot_f32_f16 = HWY_DISPATCH_TABLE(DotF32F16)[index];
  k.l2_squared_f32_f16_x4 = HWY_DISPATCH_TABLE(L2SquaredF32F16x4)[index];
  k.dot_f32_f16_x4 = HWY_DISPATCH_TABLE(DotF32F16x4)[index];
  k.f32_to_f16_vector = HWY_DISPATCH_TABLE(F32ToF16Vector)[index];
  k.f16_to_f32_vector = HWY_DISPATCH_TABLE(F16ToF32Vector)[index];
  k.l2_squared_i8 = HWY_DISPATCH_TABLE(L2SquaredI8)[index];
  k.dot_i8 = HWY_DISPATCH_TABLE(DotI8)[index];
  k.l2_squared_i8_x4 = HWY_DISPATCH_TABLE(L2SquaredI8x4)[index];
  k.dot_i8_x4 = HWY_DISPATCH_TABLE(DotI8x4)[index];
  k.quantize_i8 = HWY_DISPATCH_TABLE(QuantizeI8)[index];
  k.hamming_b1 = HWY_DISPATCH_TABLE(HammingB1)[index];
  k.hamming_b1_x4 = HWY_DISPATCH_TABLE(HammingB1x4)[index];
  k.pack_b1 = HWY_DISPATCH_TABLE(PackB1)[index];
  return k;
}

}  // namespace

DistanceF32F16 l2_squared_f32_f16_fn() {
  return HWY_DISPATCH_TABLE(L2SquaredF32F16)[ChosenIndex()];
}
DistanceF32F16 dot_f32_f16_fn() { return HWY_DISPATCH_TABLE(DotF32F16)[ChosenIndex()]; }
DistanceF32F16x4 l2_squared_f32_f16_x4_fn() {
  return HWY_DISPATCH_TABLE(L2SquaredF32F16x4)[ChosenIndex()];
}
DistanceF32F16x4 dot_f32_f16_x4_fn() { return HWY_DISPATCH_TABLE(DotF32F16x4)[ChosenIndex()]; }

void f32_to_f16_vector(const float* in, size_t n, uint16_t* out) {
  HWY_DISPATCH_TABLE(F32ToF16Vector)[ChosenIndex()](in, n, out);
}
void f16_to_f32_vector(const uint16_t* in, size_t n, float* out) {
  HWY_DISPATCH_TABLE(F16ToF32Vector)[ChosenIndex()](in, n, out);
}

DistanceI8 l2_squared_i8_fn() { return HWY_DISPATCH_TABLE(L2SquaredI8)[ChosenIndex()]; }
DistanceI8 dot_i8_fn() { return HWY_DISPATCH_TABLE(DotI8)[ChosenIndex()]; }
DistanceI8x4 l2_squared_i8_x4_fn() { return HWY_DISPATCH_TABLE(L2SquaredI8x4)[ChosenIndex()]; }
DistanceI8x4 dot_i8_x4_fn() { return HWY_DISPATCH_TABLE(DotI8x4)[ChosenIndex()]; }

void quantize_i8(const float* x, size_t dim, const float* offset, float inv_scale, int8_t* out) {
  HWY_DISPATCH_TABLE(QuantizeI8)[ChosenIndex()](x, dim, offset, inv_scale, out);
}

HammingB1 hamming_b1_fn() { return HWY_DISPATCH_TABLE(HammingB1)[ChosenIndex()]; }
HammingB1x4 hamming_b1_x4_fn() { return HWY_DISPATCH_TABLE(HammingB1x4)[ChosenIndex()]; }

void pack_b1(const float* x, size_t dim, uint64_t* out) {
  HWY_DISPATCH_TABLE(PackB1)[ChosenIndex()](x, dim, out);
}

const char* code_kernels_target_name() {
  return hwy::TargetName(HWY_DISPATCH_TABLE(CodeTargetBit)[ChosenIndex()]());
}

size_t code_kernels_for_all_targets(CodeKernels* out, size_t max) {
  return EntriesForAllTargets(out, max, CodeKernelsAt);
}

}  // namespace quiver::kernels
#endif  // HWY_ONCE
