// How the text layer lays documents out over vector keys.
//
// Chunk keys: (document key << 16) | chunk number, so a document key has 48
// bits. The 16-bit chunk numbers form a ring: a version of a document holds
// `count` chunks numbered first, first + 1, ... (mod 65536) in text order,
// and the next version (an upsert) is added right after it on the ring,
// first + count, while the old one is still there. So a version has at most
// 65536 chunks, and an old and a new version together at most 65536.
// Documents added by add_texts start at chunk number 0, as every document
// did before versions existed.
#pragma once

#include <cstdint>

namespace quiver {

inline constexpr unsigned kChunkBits = 16;
inline constexpr uint64_t kMaxChunksPerDocument = uint64_t{1} << kChunkBits;
inline constexpr uint64_t kMaxDocumentKey = (uint64_t{1} << (64 - kChunkBits)) - 1;
inline constexpr uint32_t kChunkNumberMask = uint32_t(kMaxChunksPerDocument - 1);

constexpr uint64_t chunk_key(uint64_t document, uint64_t chunk) {
  return (document << kChunkBits) | (chunk & kChunkNumberMask);
}
constexpr uint64_t document_of(uint64_t chunk_key) { return chunk_key >> kChunkBits; }
constexpr uint32_t chunk_number_of(uint64_t chunk_key) {
  return uint32_t(chunk_key & kChunkNumberMask);
}

// The chunk numbers of one version: [first, first + count) on the ring.
struct ChunkRange {
  uint32_t first = 0;  // < kMaxChunksPerDocument
  uint32_t count = 0;  // <= kMaxChunksPerDocument

  // Chunk number of the i-th chunk (i < count).
  constexpr uint32_t number(uint64_t i) const { return uint32_t((first + i) & kChunkNumberMask); }
  constexpr uint64_t key(uint64_t document, uint64_t i) const {
    return chunk_key(document, number(i));
  }
  constexpr bool holds(uint32_t number) const {
    return ((number - first) & kChunkNumberMask) < count;
  }
  // Where the next version starts.
  constexpr uint32_t end() const { return uint32_t((first + count) & kChunkNumberMask); }
};

}  // namespace quiver
