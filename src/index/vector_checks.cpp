#include "index/vector_checks.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"

namespace quiver {

void check_finite(const float* v, size_t dim, const char* what) {
  for (size_t i = 0; i < dim; ++i) {
    if (!std::isfinite(v[i])) {
      fail(Status::InvalidArgument,
           std::string(what) + " has a " + (std::isnan(v[i]) ? "NaN" : "infinite") +
               " value at element " + std::to_string(i) +
               "; every element must be a finite number");
    }
  }
}

size_t find_non_finite(const float* v, size_t n) {
  // An element is NaN or infinite exactly when its exponent bits are all
  // ones. OR-ing that test over a block has no branch per element, so it
  // vectorises; only a block holding one is searched element by element.
  constexpr size_t kBlock = 1024;
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t end = n - begin < kBlock ? n : begin + kBlock;
    uint32_t bad = 0;
    for (size_t i = begin; i < end; ++i) {
      uint32_t bits;
      std::memcpy(&bits, v + i, sizeof bits);
      bad |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (bad)
      for (size_t i = begin; i < end; ++i)
        if (!std::isfinite(v[i])) return i;
  }
  return n;
}

float vector_norm(const float* v, size_t dim) {
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) sum += static_cast<double>(v[i]) * v[i];
  return static_cast<float>(std::sqrt(sum));
}

float prepare_vector(const float* in, size_t dim, Metric metric, float* out, const char* what) {
  check_finite(in, dim, what);
  if (metric != Metric::Cosine) {
    if (out != in)
      for (size_t i = 0; i < dim; ++i) out[i] = in[i];
    return 1.0f;
  }
  double sum = 0.0;
  for (size_t i = 0; i < dim; ++i) sum += static_cast<double>(in[i]) * in[i];
  const double exact = std::sqrt(sum);
  const float norm = static_cast<float>(exact);
  if (!(norm > 0.0f) || !std::isfinite(norm)) {
    fail(Status::InvalidArgument,
         std::string(what) + " has zero length (or overflows when squared); the cosine "
                             "metric needs a non-zero vector");
  }
  // Divide in double: for a vector of tiny (subnormal) floats 1 / norm
  // overflows a float, and the "normalised" vector would be infinite.
  const double inv = 1.0 / exact;
  for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>(in[i] * inv);
  return norm;
}

}  // namespace quiver
