#include "index/vector_checks.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"

namespace quiver {

namespace {

// "2.13e+20": a length as the messages give it.
std::string length_text(double length) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", length);
  return buf;
}

// How messages name a metric in a sentence ("the L2 metric").
const char* metric_in_prose(Metric metric) {
  return metric == Metric::L2 ? "L2" : metric == Metric::InnerProduct ? "inner-product" : "cosine";
}

// out = in / length, in double: for a vector of tiny (subnormal) floats
// 1 / length overflows a float, and the "normalised" vector would be
// infinite; for a long one |in|^2 overflows a float.
void normalise(const float* in, size_t dim, double length, float* out) {
  const double inv = 1.0 / length;
  for (size_t i = 0; i < dim; ++i) out[i] = static_cast<float>(in[i] * inv);
}

}  // namespace

void check_finite(const float* v, size_t dim, const char* what) {
  for (size_t i = 0; i < dim; ++i) {
    if (!std::isfinite(v[i])) {
      fail(Status::InvalidArgument, std::string(what) + " has a " +
                                        (std::isnan(v[i]) ? "NaN" : "infinite") +
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

double vector_length(const float* v, size_t dim) {
  // Four chains: the additions of one chain wait on each other.
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  size_t i = 0;
  for (; i + 4 <= dim; i += 4)
    for (size_t j = 0; j < 4; ++j) s[j] += static_cast<double>(v[i + j]) * v[i + j];
  for (; i < dim; ++i) s[0] += static_cast<double>(v[i]) * v[i];
  return std::sqrt((s[0] + s[1]) + (s[2] + s[3]));
}

double check_vector(const float* v, size_t dim, Metric metric, VectorUse use, const char* what) {
  const double length = vector_length(v, dim);
  // Finite elements give a finite length (see vector_length), so this finds
  // the culprit whenever there is one.
  if (!std::isfinite(length)) check_finite(v, dim, what);
  if (metric == Metric::Cosine) {
    if (length == 0.0)
      fail(Status::InvalidArgument,
           std::string(what) + " has zero length; the cosine metric needs a non-zero vector");
    if (use == VectorUse::Stored && !(length <= FLT_MAX))
      fail(Status::InvalidArgument,
           std::string(what) + " has length " + length_text(length) +
               "; an index with the cosine metric keeps each vector's length as a 32-bit float "
               "(up to " +
               length_text(FLT_MAX) +
               ") to give the vector back: scale the vector down (cosine distances do not "
               "change)");
    return length;
  }
  if (!(length <= kMaxVectorLength))
    fail(Status::InvalidArgument,
         std::string(what) + " has length " + length_text(length) + "; under the " +
             metric_in_prose(metric) + " metric Quiver compares vectors up to length " +
             length_text(kMaxVectorLength) +
             " (2^62) without overflowing 32-bit float distances: scale the data down (one "
             "factor for every vector and query keeps the order of results)");
  return length;
}

float prepare_vector(const float* in, size_t dim, Metric metric, float* out, const char* what) {
  const double length = check_vector(in, dim, metric, VectorUse::Stored, what);
  if (metric != Metric::Cosine) {
    if (out != in) std::memcpy(out, in, dim * sizeof(float));
    return 1.0f;
  }
  normalise(in, dim, length, out);
  return static_cast<float>(length);  // <= FLT_MAX: checked above
}

void prepare_query(const float* in, size_t dim, Metric metric, float* out, const char* what) {
  const double length = check_vector(in, dim, metric, VectorUse::Query, what);
  if (metric != Metric::Cosine) {
    if (out != in) std::memcpy(out, in, dim * sizeof(float));
    return;
  }
  normalise(in, dim, length, out);
}

}  // namespace quiver
