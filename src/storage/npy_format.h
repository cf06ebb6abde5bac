// The NumPy .npy format (numpy.lib.format): magic "\x93NUMPY", a version,
// a header length, and a Python dict literal giving dtype, memory order and
// shape, then the raw array. Versions 1.0, 2.0 (4-byte header length) and
// 3.0 (UTF-8 header) are read; 1.0 is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace quiver::storage {

struct NpyHeader {
  int major = 0;          // 1, 2 or 3
  std::string descr;      // e.g. "<f4"
  char byte_order = '<';  // '<', '>' or '|' ('=' is read as '<')
  char type = 0;          // numpy kind: 'f', 'i', 'u', 'b', 'c', ...
  size_t item_size = 0;   // bytes per element
  bool fortran_order = false;
  std::vector<uint64_t> shape;
  size_t data_offset = 0;  // where the array starts in the file
};

// Parses the preamble of a .npy file of `size` bytes. Throws Error(Corrupt)
// for a bad magic, a truncated or malformed header; Error(Unsupported) for
// an unknown version or a structured/object dtype. `path` goes into the
// messages.
NpyHeader parse_npy_header(const uint8_t* bytes, size_t size, const std::string& path);

// A version 1.0 preamble (magic, version, length, dict, padding to 64 bytes)
// for a C-order array.
std::string format_npy_header(const std::string& descr, const std::vector<uint64_t>& shape);

// "float32", "int32", "complex128" ... for messages.
std::string npy_type_name(const NpyHeader& h);

}  // namespace quiver::storage
