// Distance kernels over float32 and float16 vectors. Kernels over compact
// codes (f32 query x f16 rows, int8 codes, 1-bit codes) are in codes.h.
//
// Every kernel exists twice: a scalar reference (distance_scalar.cpp) that is
// the definition of the right answer, and a SIMD version (distance_simd.cpp)
// compiled for every target Highway supports and chosen once at run time for
// the CPU at hand. Tests compare the two on random data.
//
// The *_fn() getters resolve the dispatch once; callers keep the pointer so
// the hot loops pay no per-call dispatch cost.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/half.h"  // f32_to_f16, f16_to_f32

namespace quiver::kernels {

using DistanceF32 = float (*)(const float* a, const float* b, size_t dim);
using DistanceF16 = float (*)(const uint16_t* a, const uint16_t* b, size_t dim);
// out[i] = distance(query, rows[i]) for i = 0..3.
using DistanceF32x4 = void (*)(const float* query, const float* const* rows, size_t dim,
                               float* out);

// --- SIMD, dispatched to the best target of this CPU -------------------------
DistanceF32 l2_squared_f32_fn();       // sum((a_i - b_i)^2)
DistanceF32 dot_f32_fn();              // sum(a_i * b_i)
DistanceF32 cosine_distance_f32_fn();  // 1 - dot / (|a| |b|); 1 if either is zero
DistanceF32x4 l2_squared_f32_x4_fn();  // four rows at once (graph search)
DistanceF32x4 dot_f32_x4_fn();
DistanceF16 l2_squared_f16_fn();  // IEEE binary16 inputs, float accumulation
DistanceF16 dot_f16_fn();

// One query against n contiguous rows of `dim` floats (row i at base + i*stride
// floats, stride >= dim): out[i] = distance(query, row i). Used by flat scans.
void l2_squared_f32_many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                         float* out);
void dot_f32_many(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                  float* out);

// Name of the SIMD target chosen for this CPU, e.g. "AVX2", "AVX3", "NEON".
const char* simd_target_name();

// --- Scalar references -------------------------------------------------------
float l2_squared_f32_scalar(const float* a, const float* b, size_t dim);
float dot_f32_scalar(const float* a, const float* b, size_t dim);
float cosine_distance_f32_scalar(const float* a, const float* b, size_t dim);
float l2_squared_f16_scalar(const uint16_t* a, const uint16_t* b, size_t dim);
float dot_f16_scalar(const uint16_t* a, const uint16_t* b, size_t dim);

// --- Testing hook: the kernels of every compiled SIMD target -----------------
using ManyF32 = void (*)(const float* query, const float* base, size_t n, size_t dim, size_t stride,
                         float* out);

struct SimdKernels {
  const char* target;  // hwy::TargetName, e.g. "AVX2"
  DistanceF32 l2_squared_f32;
  DistanceF32 dot_f32;
  DistanceF32 cosine_distance_f32;
  DistanceF16 l2_squared_f16;
  DistanceF16 dot_f16;
  ManyF32 l2_squared_f32_many;
  ManyF32 dot_f32_many;
  DistanceF32x4 l2_squared_f32_x4;
  DistanceF32x4 dot_f32_x4;
};

// Writes up to `max` entries to `out`, best target first, one per SIMD target
// that was compiled in and that this CPU supports (entry 0 is what the *_fn()
// getters return); returns the number of such targets. Lets tests check every
// target the machine can run, not only the best one.
size_t simd_kernels_for_all_targets(SimdKernels* out, size_t max);

}  // namespace quiver::kernels
