// The texmex formats (little-endian), http://corpus-texmex.irisa.fr/:
//   .fvecs  per row: int32 d, then d float32
//   .bvecs  per row: int32 d, then d uint8
//   .ivecs  per row: int32 d, then d int32
// All readers throw std::runtime_error on a missing or malformed file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common.h"

namespace qvb {

constexpr size_t kAllRows = std::numeric_limits<size_t>::max();

Matrix read_fvecs(const std::string& path, size_t max_rows = kAllRows);

// uint8 components converted to float (0..255), so L2 distances are exact.
Matrix read_bvecs(const std::string& path, size_t max_rows = kAllRows);

// Rows of non-negative ids; *k_out gets the row width.
std::vector<uint32_t> read_ivecs(const std::string& path, size_t* k_out,
                                 size_t max_rows = kAllRows);

}  // namespace qvb
