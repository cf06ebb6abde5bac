// Exact k nearest neighbours (squared L2) by brute force on all threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"

namespace qvb {

// queries.n x k ids of base rows, nearest first (ties broken by lower id).
std::vector<uint32_t> brute_force_knn(const Matrix& base, const Matrix& queries, size_t k,
                                      unsigned threads);

}  // namespace qvb
