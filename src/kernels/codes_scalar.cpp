// Scalar references for the code kernels (codes.h): plain loops in element
// order that define the right answer for codes_simd.cpp. float sums for f16
// rows, int64 sums for int8 (exact at any dimension), popcount for 1-bit.
#include <bit>
#include <cmath>
#include <cstdint>

#include "kernels/codes.h"

namespace quiver::kernels {

float l2_squared_f32_f16_scalar(const float* query, const uint16_t* row, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    const float d = query[i] - f16_to_f32(row[i]);
    sum += d * d;
  }
  return sum;
}

float dot_f32_f16_scalar(const float* query, const uint16_t* row, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += query[i] * f16_to_f32(row[i]);
  return sum;
}

int64_t l2_squared_i8_scalar(const int8_t* a, const int8_t* b, size_t dim) {
  int64_t sum = 0;
  for (size_t i = 0; i < dim; ++i) {
    const int64_t d = int64_t{a[i]} - int64_t{b[i]};
    sum += d * d;
  }
  return sum;
}

int64_t dot_i8_scalar(const int8_t* a, const int8_t* b, size_t dim) {
  int64_t sum = 0;
  for (size_t i = 0; i < dim; ++i) sum += int64_t{a[i]} * int64_t{b[i]};
  return sum;
}

void quantize_i8_scalar(const float* x, size_t dim, const float* offset, float inv_scale,
                        int8_t* out) {
  for (size_t i = 0; i < dim; ++i) {
    const float v = (x[i] - (offset ? offset[i] : 0.0f)) * inv_scale;
    if (std::isnan(v)) {
      out[i] = 0;
      continue;
    }
    // Clamping first keeps the rounding in range; the bounds are integers, so
    // clamp-then-round equals round-then-clamp. nearbyint: ties to even.
    const float clamped = std::fmin(std::fmax(v, -127.0f), 127.0f);
    out[i] = static_cast<int8_t>(std::nearbyint(clamped));
  }
}

void dequantize_i8(const int8_t* code, size_t dim, const float* offset, float scale, float* out) {
  for (size_t i = 0; i < dim; ++i) {
    out[i] = (offset ? offset[i] : 0.0f) + static_cast<float>(code[i]) * scale;
  }
}

uint64_t hamming_b1_scalar(const uint64_t* a, const uint64_t* b, size_t dim) {
  uint64_t count = 0;
  const size_t full = dim / 64;
  for (size_t w = 0; w < full; ++w) count += static_cast<uint64_t>(std::popcount(a[w] ^ b[w]));
  if (dim % 64 != 0) {
    const uint64_t used = (uint64_t{1} << (dim % 64)) - 1;
    count += static_cast<uint64_t>(std::popcount((a[full] ^ b[full]) & used));
  }
  return count;
}

void pack_b1_scalar(const float* x, size_t dim, uint64_t* out) {
  for (size_t w = 0; w < b1_words(dim); ++w) out[w] = 0;
  for (size_t i = 0; i < dim; ++i) {
    if (x[i] > 0.0f) out[i / 64] |= uint64_t{1} << (i % 64);
  }
}

}  // namespace quiver::kernels
