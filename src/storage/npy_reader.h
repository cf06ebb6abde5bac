// Reads .npy files into what an index takes: float32 rows and uint64 keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/row_matrix.h"

namespace quiver::storage {

// A 2-D float16/float32/float64 array in C or Fortran order, either byte
// order, converted to row-major float32. Throws Error: NotFound (no file),
// Corrupt (bad magic or header, truncated or over-long data), Unsupported
// (another dtype, not 2-D, unknown version), Io.
FloatMatrix read_npy_vectors(const std::string& path);

// A 1-D uint64 array (int64 is accepted when no value is negative, since
// that is what numpy.arange gives). Errors as read_npy_vectors.
std::vector<uint64_t> read_npy_keys(const std::string& path);

}  // namespace quiver::storage
