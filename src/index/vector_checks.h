// Validation and normalisation shared by every index kind.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/metric.h"

namespace quiver {

// The longest vector an L2 or inner-product index takes (Euclidean length,
// computed in double): 2^62, about 4.6e18. Within it no float32 distance can
// overflow, so none is infinite or NaN and results sort:
//   IP: every partial sum of a dot product, in any order and any SIMD lane,
//     is at most sum |a_i b_i| <= |a| |b| <= 2^124 (Cauchy-Schwarz) before
//     rounding; so 1 - dot is finite.
//   L2: every partial sum of (a_i - b_i)^2 is at most
//     sum (|a_i| + |b_i|)^2 <= (|a| + |b|)^2 <= 2^126 (Minkowski).
// Rounding adds a factor (1 + 2^-24) per operation in a term's chain (the
// subtraction, the product, one addition per loop step, the lane and
// accumulator reductions): at most 65536 + 32 of them at QV_MAX_DIM, a
// factor under 1.005, so every computed partial sum stays below
// 2^127 < FLT_MAX (about 2^128). Cosine vectors are normalised (length ~1).
inline constexpr double kMaxVectorLength = 0x1p62;

// What a vector is for. A stored cosine vector keeps its original length as
// a float32 (to give it back), so that length must fit a float; a query's
// length is used only to normalise it.
enum class VectorUse { Stored, Query };

// Throws Error(InvalidArgument) naming the first NaN/Inf element. `what`
// names the vector in the message ("vector for key 7", "query 3").
void check_finite(const float* v, size_t dim, const char* what);

// Ends the message of an image value no index writes (see
// VectorIndex::validate_image).
inline constexpr const char* kBadValue =
    "; no index writes such a value (a damaged or foreign file that kept valid checksums): "
    "restore the file from a backup or build the index again";

// The index of the first NaN or infinite element of v[0, n), or n when
// every element is finite. Branch-light (the compiler vectorises the
// exponent test over blocks): it runs over whole files of vectors at open.
size_t find_non_finite(const float* v, size_t n);

// Euclidean length in double. For finite floats it neither overflows (at
// most 65536 * FLT_MAX^2, about 7.6e81) nor underflows (a subnormal's square
// is a normal double), so it is 0 only for a zero vector; it is infinite or
// NaN exactly when an element is.
double vector_length(const float* v, size_t dim);

// Throws Error(InvalidArgument), in the user's terms, when v cannot be used
// under `metric`: a NaN or infinite element; under L2 and IP a length above
// kMaxVectorLength; under cosine a zero vector or, stored, a length above
// FLT_MAX. Returns the length.
double check_vector(const float* v, size_t dim, Metric metric, VectorUse use, const char* what);

// Copies a vector to be stored from `in` to `out`, checking it
// (check_vector); under cosine scales it to unit length and returns its
// original length, else returns 1.
float prepare_vector(const float* in, size_t dim, Metric metric, float* out, const char* what);

// The same for a query: checked as a query, its length not kept.
void prepare_query(const float* in, size_t dim, Metric metric, float* out, const char* what);

}  // namespace quiver
