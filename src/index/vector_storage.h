// How an index stores its vectors, with the values the file format keeps
// (and the C API's qv_storage uses).
#pragma once

#include <cstdint>

namespace quiver {

enum class Storage : uint32_t {
  F32 = 1,  // float32, exact
  F16 = 2,  // IEEE half: half the bytes, ~3 significant digits
  I8 = 3,   // int8 scalar quantization, one scale per vector
  B1 = 4,   // one sign bit per dimension (IP and cosine only)
};

constexpr bool is_storage(uint32_t value) {
  return value >= uint32_t(Storage::F32) && value <= uint32_t(Storage::B1);
}

// Codes that lose more than rounding: searches rank on them, then re-rank
// the best candidates on the float32 originals when those are kept.
constexpr bool is_lossy(Storage s) { return s == Storage::I8 || s == Storage::B1; }

const char* storage_name(Storage s);  // "f32", "f16", "i8", "b1"

struct StorageOptions {
  Storage type = Storage::F32;
  // I8 and B1: keep the float32 originals for exact re-ranking, exact
  // distances and get(). Ignored (nothing to keep) for F32 and F16.
  bool keep_originals = true;
  bool keeps_originals() const { return is_lossy(type) && keep_originals; }
};

}  // namespace quiver
