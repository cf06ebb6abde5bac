// Readers for the ANN benchmark formats (texmex corpus):
//   .fvecs  per row: int32 d, then d float32
//   .ivecs  per row: int32 d, then d int32
//   .bvecs  per row: int32 d, then d uint8
// All little-endian. Every row must have the same d.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/row_matrix.h"

namespace quiver::io {

using quiver::FloatMatrix;
using quiver::IntMatrix;

// Parses the bytes of a .fvecs (or .bvecs, widened to float) file. `name`
// appears in error messages. Throws Error(Corrupt) on a bad header, a
// truncated row or rows of different dimension.
FloatMatrix parse_fvecs(const uint8_t* bytes, size_t size, const std::string& name);
FloatMatrix parse_bvecs(const uint8_t* bytes, size_t size, const std::string& name);
IntMatrix parse_ivecs(const uint8_t* bytes, size_t size, const std::string& name);

// Reads a whole file. Throws Error(NotFound) / Error(Io).
std::vector<uint8_t> read_file(const std::string& path);

// Reads `path` by its extension (.fvecs, .bvecs); max_rows 0 = all.
FloatMatrix read_vectors(const std::string& path, size_t max_rows = 0);
IntMatrix read_ivecs(const std::string& path);

}  // namespace quiver::io
