// The kinds of index, with the values the file format stores (and the C
// API's qv_index_kind uses).
#pragma once

#include <cstdint>

namespace quiver {

enum class IndexKind : uint32_t { Flat = 1, Hnsw = 2 };

// "flat", "hnsw": the names users write (CLI, bindings).
constexpr const char* index_kind_name(IndexKind k) {
  return k == IndexKind::Flat ? "flat" : "hnsw";
}

}  // namespace quiver
