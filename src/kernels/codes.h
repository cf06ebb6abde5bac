// Kernels over compact vector codes, for indexes that store vectors in
// fewer bytes than float32 (docs/kernels.md describes the formats):
//
//   f16  IEEE binary16 rows (uint16_t bits) against a float32 query.
//   i8   signed int8 scalar-quantization codes, exact integer sums.
//   b1   one sign bit per dimension, 64 per uint64_t word; hamming distance.
//
// As in distance.h, every kernel has a scalar reference (codes_scalar.cpp)
// that defines the right answer and a SIMD version (codes_simd.cpp) compiled
// for every Highway target and dispatched once to the best one of this CPU.
// The *_fn() getters resolve the dispatch once; callers keep the pointer.
// All kernels take any dimension (dim 0 gives 0) and unaligned pointers, and
// read nothing past the `dim` elements (b1: past the b1_words(dim) words).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/half.h"  // f32_to_f16_saturate, f16_to_f32: one value

namespace quiver::kernels {

// --- f16 rows, float32 query ---------------------------------------------------
// The query stays float32; rows are read as half (half the bytes of float32)
// and widened on the fly; sums are float, as the float32 kernels.

using DistanceF32F16 = float (*)(const float* query, const uint16_t* row, size_t dim);
// out[i] = distance(query, rows[i]) for i = 0..3.
using DistanceF32F16x4 = void (*)(const float* query, const uint16_t* const* rows, size_t dim,
                                  float* out);

DistanceF32F16 l2_squared_f32_f16_fn();  // sum((q_i - r_i)^2)
DistanceF32F16 dot_f32_f16_fn();         // sum(q_i * r_i)
DistanceF32F16x4 l2_squared_f32_f16_x4_fn();
DistanceF32F16x4 dot_f32_f16_x4_fn();

// Whole vectors. To f16: round to nearest even, saturating (values beyond
// +-65504, and +-Inf, give +-65504; NaN stays NaN), i.e. f32_to_f16_saturate
// per element. To f32: exact, i.e. f16_to_f32 per element.
void f32_to_f16_vector(const float* in, size_t n, uint16_t* out);
void f16_to_f32_vector(const uint16_t* in, size_t n, float* out);

// --- int8 codes -------------------------------------------------------------------
// code_i = clamp(round_half_even((x_i - offset_i) * inv_scale), -127, 127), so
// x_i ~ offset_i + code_i * scale with scale = 1 / inv_scale. Symmetric codes
// (offset 0) keep zero at zero and make dot products of codes proportional to
// dot products of vectors; a per-dimension offset (e.g. the data's mean)
// cancels out of L2 differences. The scale is one number for all dimensions
// because the integer kernels weigh every dimension alike.
//
// The kernels take any int8 (-128 included) and are exact at every dimension:
// they sum in int32 over chunks of 32768 elements (32768 * 255^2 < 2^31) and
// add the chunks in int64. Query and rows must be quantized the same way.

using DistanceI8 = int64_t (*)(const int8_t* a, const int8_t* b, size_t dim);
using DistanceI8x4 = void (*)(const int8_t* query, const int8_t* const* rows, size_t dim,
                              int64_t* out);

DistanceI8 l2_squared_i8_fn();  // sum((a_i - b_i)^2)
DistanceI8 dot_i8_fn();         // sum(a_i * b_i)
DistanceI8x4 l2_squared_i8_x4_fn();
DistanceI8x4 dot_i8_x4_fn();

// offset may be null (all zero). NaN gives code 0; +-Inf gives +-127.
void quantize_i8(const float* x, size_t dim, const float* offset, float inv_scale, int8_t* out);
// out_i = offset_i + code_i * scale (offset may be null). Scalar: not hot.
void dequantize_i8(const int8_t* code, size_t dim, const float* offset, float scale, float* out);

// --- 1-bit codes ---------------------------------------------------------------------
// Bit i of a code is bit (i % 64) of word i / 64, set when x_i > 0 (so 0, -0
// and NaN give 0). Kernels count only the `dim` bits: the unused high bits of
// the last word are ignored (the packer writes them as 0).

constexpr size_t b1_words(size_t dim) { return (dim + 63) / 64; }

using HammingB1 = uint64_t (*)(const uint64_t* a, const uint64_t* b, size_t dim);
using HammingB1x4 = void (*)(const uint64_t* query, const uint64_t* const* rows, size_t dim,
                             uint64_t* out);

HammingB1 hamming_b1_fn();  // number of the dim bits that differ
HammingB1x4 hamming_b1_x4_fn();

// Writes b1_words(dim) words.
void pack_b1(const float* x, size_t dim, uint64_t* out);

// Name of the SIMD target the code kernels run on (this file may enable more
// targets than distance.h's kernels, e.g. AVX3_DL for VNNI and VPOPCNTDQ).
const char* code_kernels_target_name();

// --- Scalar references ---------------------------------------------------------------
float l2_squared_f32_f16_scalar(const float* query, const uint16_t* row, size_t dim);
float dot_f32_f16_scalar(const float* query, const uint16_t* row, size_t dim);
int64_t l2_squared_i8_scalar(const int8_t* a, const int8_t* b, size_t dim);
int64_t dot_i8_scalar(const int8_t* a, const int8_t* b, size_t dim);
void quantize_i8_scalar(const float* x, size_t dim, const float* offset, float inv_scale,
                        int8_t* out);
uint64_t hamming_b1_scalar(const uint64_t* a, const uint64_t* b, size_t dim);
void pack_b1_scalar(const float* x, size_t dim, uint64_t* out);

// --- Testing hook: the kernels of every compiled SIMD target -----------------------
struct CodeKernels {
  const char* target;  // hwy::TargetName, e.g. "AVX3_DL"
  DistanceF32F16 l2_squared_f32_f16;
  DistanceF32F16 dot_f32_f16;
  DistanceF32F16x4 l2_squared_f32_f16_x4;
  DistanceF32F16x4 dot_f32_f16_x4;
  void (*f32_to_f16_vector)(const float* in, size_t n, uint16_t* out);
  void (*f16_to_f32_vector)(const uint16_t* in, size_t n, float* out);
  DistanceI8 l2_squared_i8;
  DistanceI8 dot_i8;
  DistanceI8x4 l2_squared_i8_x4;
  DistanceI8x4 dot_i8_x4;
  void (*quantize_i8)(const float* x, size_t dim, const float* offset, float inv_scale,
                      int8_t* out);
  HammingB1 hamming_b1;
  HammingB1x4 hamming_b1_x4;
  void (*pack_b1)(const float* x, size_t dim, uint64_t* out);
};

// As simd_kernels_for_all_targets: entry 0 is what the getters above use.
size_t code_kernels_for_all_targets(CodeKernels* out, size_t max);

}  // namespace quiver::kernels
