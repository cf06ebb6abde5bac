// IEEE binary16 ("half") <-> binary32 conversion, one value at a time: the
// library's single implementation (kernels, .npy reading and tests use it).
// Whole vectors convert faster through kernels/codes.h.
#pragma once

#include <cstdint>

namespace quiver::kernels {

// Largest finite half, 0x7BFF.
inline constexpr float kF16Max = 65504.0f;

// Round to nearest even, IEEE overflow: |f| >= 65520 (halfway to 2^16) gives
// +-Inf; NaN stays NaN (quiet, sign kept); below half range gives a subnormal
// or a signed zero.
uint16_t f32_to_f16(float f);

// As f32_to_f16, but saturating: every value that would round to +-Inf,
// and +-Inf itself, gives +-65504. This is how vectors are stored as f16, so
// stored rows never hold Inf. NaN still gives NaN.
uint16_t f32_to_f16_saturate(float f);

// Exact (every half is a float): subnormals, +-0, +-Inf and NaN payloads kept.
float f16_to_f32(uint16_t h);

}  // namespace quiver::kernels
