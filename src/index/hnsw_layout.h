// The parts of HnswIndex's memory layout that its implementation files
// share: the node table entry and the link-list header bits.
#pragma once

#include <cstdint>

#include "index/hnsw_index.h"

namespace quiver {

// Plain data with no pointers, so the metas store can be written to disk and
// mapped back as it is.
struct HnswIndex::NodeMeta {
  uint64_t key;
  uint32_t upper_first;  // first of `level` consecutive blocks in upper_links_
  float norm;            // original length under cosine, else 1
  uint8_t level;
  uint8_t lock;  // atomic access only
  uint8_t reserved[2];
};

// Layer-0 link header: count in the low bits, tombstone in the top bit, so a
// search learns whether a node is deleted from the cache line it reads anyway.
inline constexpr uint32_t kHnswCountMask = 0xFFFF;
inline constexpr uint32_t kHnswDeletedBit = 1u << 31;

}  // namespace quiver
