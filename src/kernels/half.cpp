// IEEE binary16 <-> binary32, bit by bit: the reference that the SIMD
// conversions in codes_simd.cpp are tested against.
#include "kernels/half.h"

#include <bit>
#include <cstdint>

namespace quiver::kernels {

uint16_t f32_to_f16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t abs = x & 0x7FFFFFFFu;

  if (abs >= 0x7F800000u) {  // Inf or NaN
    if (abs == 0x7F800000u) return static_cast<uint16_t>(sign | 0x7C00u);
    // NaN: keep the top payload bits and set the quiet bit so the result can
    // never collapse to Inf (as F16C's vcvtps2ph does).
    return static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x03FFu));
  }
  // 65520 = 0x477FF000 is halfway between the largest half (65504) and 2^16;
  // ties go to even, i.e. up to Inf.
  if (abs >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);

  if (abs < 0x38800000u) {  // below 2^-14: half subnormal (or zero)
    // 2^-25 (0x33000000) is halfway between 0 and the smallest subnormal
    // 2^-24; ties go to even (0). Float subnormals land here too.
    if (abs <= 0x33000000u) return static_cast<uint16_t>(sign);
    const uint32_t exp = abs >> 23;                           // 102..112
    const uint32_t mant = (abs & 0x007FFFFFu) | 0x00800000u;  // 24 bits
    // value = mant * 2^(exp-150); in units of 2^-24 that is mant >> (126-exp).
    const uint32_t shift = 126u - exp;  // 14..24
    uint32_t h = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u))) ++h;  // may carry to 0x400: fine
    return static_cast<uint16_t>(sign | h);
  }

  // Normal: rebias the exponent (127 -> 15) and round 23 -> 10 mantissa bits.
  // A carry out of the mantissa correctly bumps the exponent.
  const uint32_t r = abs - 0x38000000u;
  uint32_t h = r >> 13;
  const uint32_t rem = r & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x03FFu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float.
    const float mag = static_cast<float>(mant) * 0x1p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(mag));
  }
  if (exp == 0x1Fu) {  // Inf (mant == 0) or NaN (payload kept, stays nonzero)
    return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));
  }
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t f32_to_f16_saturate(float f) {
  const uint16_t h = f32_to_f16(f);
  // Inf from a finite overflow or from Inf itself: clamp to the largest half.
  if ((h & 0x7FFFu) == 0x7C00u) return static_cast<uint16_t>((h & 0x8000u) | 0x7BFFu);
  return h;
}

}  // namespace quiver::kernels
