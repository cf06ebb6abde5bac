// The limits every layer checks, named once. The C API's QV_MAX_DIM and the
// ranges quiver.h documents are tied to these by static_asserts in
// src/capi/index_api.cpp.
#pragma once

#include <cstdint>

namespace quiver {

constexpr uint32_t kMaxDim = 65536;  // largest vector dimension
constexpr uint32_t kMinHnswM = 2;    // HNSW links per node on upper layers
constexpr uint32_t kMaxHnswM = 256;

}  // namespace quiver
