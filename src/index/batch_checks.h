// Argument checks for a batch of keys, shared by every index kind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/metric.h"

namespace quiver {

// Vectors of a batch, validated and prepared (normalised under cosine), with
// the original norms: what every index kind inserts.
// Checks keys are unique and every vector is one the index can store
// (check_vector: finite, within the length its metric compares without
// overflow, non-zero under cosine) before anything is inserted. Throws
// DuplicateKey / InvalidArgument.
// The indexes then prepare each vector (prepare_vector) straight into its
// place in the index: no batch-sized staging copy, which would double the
// memory a large batch needs (and glibc tends to keep such a block).
void check_batch(size_t n, const uint64_t* keys, const float* vectors, size_t dim, Metric metric);

// "vector for key 7": how messages name an added vector.
std::string key_label(uint64_t key);

// The errors every index kind raises in the same words.
[[noreturn]] void fail_duplicate_key(uint64_t key, bool in_batch);

// Throws Error(DuplicateKey) naming the key if one appears twice in `keys`.
void check_unique_keys(size_t n, const uint64_t* keys);

}  // namespace quiver
