// Validation and normalisation shared by every index kind.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/metric.h"

namespace quiver {

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

// Euclidean norm, computed in double for stability.
float vector_norm(const float* v, size_t dim);

// Copies `in` to `out`, validating it; under cosine scales it to unit length
// (a zero vector is rejected) and returns the original norm, else returns 1.
float prepare_vector(const float* in, size_t dim, Metric metric, float* out, const char* what);

}  // namespace quiver
