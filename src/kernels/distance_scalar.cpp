// Scalar reference kernels: the definition of the right answer that the SIMD
// kernels in distance_simd.cpp are tested against. Deliberately plain loops
// with float accumulation, in element order.
#include <cmath>
#include <cstdint>

#include "kernels/distance.h"

namespace quiver::kernels {

float l2_squared_f32_scalar(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    const float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

float dot_f32_scalar(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

float cosine_distance_f32_scalar(const float* a, const float* b, size_t dim) {
  float dot = 0.0f, norm_a = 0.0f, norm_b = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    dot += a[i] * b[i];
    norm_a += a[i] * a[i];
    norm_b += b[i] * b[i];
  }
  if (norm_a == 0.0f || norm_b == 0.0f) return 1.0f;
  return 1.0f - dot / (std::sqrt(norm_a) * std::sqrt(norm_b));
}

float l2_squared_f16_scalar(const uint16_t* a, const uint16_t* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    const float d = f16_to_f32(a[i]) - f16_to_f32(b[i]);
    sum += d * d;
  }
  return sum;
}

float dot_f16_scalar(const uint16_t* a, const uint16_t* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += f16_to_f32(a[i]) * f16_to_f32(b[i]);
  return sum;
}

}  // namespace quiver::kernels
