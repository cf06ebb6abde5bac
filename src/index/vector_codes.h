// The vectors of an index as stored codes (vector_storage.h), and the
// distances between a query and a code.
//
// Every code is a function of the prepared vector (prepare_vector: unit
// length under cosine). Layouts (little-endian, part of the file format):
//   F32  dim float32
//   F16  dim IEEE half (uint16)
//   I8   float scale, float squared length, dim int8: x_i ~ scale * code_i,
//        scale = max |x_i| / 127, one per vector. Per vector rather than per
//        dimension because it needs no training: any batch, in any order,
//        is coded the moment it arrives, and no later vector is ever out of
//        range (docs/storage.md has the measurements behind the choice).
//   B1   float length, 4 bytes zero, b1_words(dim) uint64: bit i = x_i > 0.
//
// A query is prepared once (query_bytes()); a stored code can serve as a
// query too (query_of_code), which is how the graph is built. Distances are
// the metric's (smaller is nearer), computed on the codes:
//   F32, F16  exact against the stored values (F16: float32 query);
//   I8        scale_q * scale_x * (integer dot of codes), so L2 is
//             |q|^2 + |x|^2 - 2 q.x with the exact squared lengths;
//   B1        angle estimated from the bits that differ (h of dim):
//             cos ~ cos(pi h / dim), so cosine distance ~ 1 - cos and
//             IP ~ 1 - |q| |x| cos.
// A distance is never NaN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/metric.h"
#include "index/metric_distance.h"
#include "index/vector_storage.h"
#include "kernels/codes.h"

namespace quiver {

class VectorCodes {
 public:
  VectorCodes(Storage storage, Metric metric, uint32_t dim);

  Storage storage() const { return storage_; }
  size_t code_bytes() const { return code_bytes_; }
  // Bytes of a prepared query: a multiple of 4, at least code_bytes().
  size_t query_bytes() const { return query_bytes_; }

  // Throws Error(InvalidArgument), naming "the vector" (n == 1) or
  // "vector i", when one of n vectors (row-major, as added: under L2 and IP
  // the same as prepared) cannot be stored without losing more than the
  // storage type promises (F16: an element beyond +-65504; cosine vectors
  // are unit length once prepared, so they always fit). Checked before
  // anything is added.
  void check_storable(size_t n, const float* vectors) const;
  void encode(const float* prepared, char* code) const;
  // The prepared vector the code stands for (rounded for F16, approximate
  // for I8; B1 gives +-length/sqrt(dim) per element).
  void decode(const char* code, float* out) const;

  // `query` must hold query_bytes() and be 4-byte aligned.
  void prepare_query(const float* prepared, char* query) const;
  // A stored code as a query: the code itself where it is one (F32, I8,
  // B1), else decoded into `buffer` (query_bytes()).
  const char* query_of_code(const char* code, char* buffer) const;

  float distance(const char* query, const char* code) const;
  // out[i] = distance(query, codes[i]) for i = 0..3.
  void four(const char* query, const char* const* codes, float* out) const;

  // False, with what is wrong in `what`, for a code no index writes (a
  // damaged file): a non-finite value, a negative scale or length.
  bool valid(const char* code, std::string& what) const;

 private:
  float finish_dot(double dot) const;  // 1 - dot, never NaN
  float b1_distance(uint64_t differing, const char* query, const char* code) const;

  Storage storage_;
  Metric metric_;
  uint32_t dim_;
  size_t code_bytes_;
  size_t query_bytes_;
  MetricDistance f32_;
  kernels::DistanceF32F16 f16_one_;
  kernels::DistanceF32F16x4 f16_four_;
  kernels::DistanceI8 i8_one_;
  kernels::DistanceI8x4 i8_four_;
  kernels::HammingB1 b1_one_;
  kernels::HammingB1x4 b1_four_;
  std::vector<float> cos_of_bits_;  // B1: cos(pi h / dim) for h = 0..dim
};

}  // namespace quiver
