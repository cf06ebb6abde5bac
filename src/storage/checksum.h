// Payload checksums: XXH64 over fixed-size blocks, then XXH64 over the
// block hashes (little-endian uint64 each). One number per section, like a
// plain XXH64, but the blocks can be verified on all cores at open time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "index/index_image.h"

namespace quiver::storage {

// Hashes a payload as it is written, in pieces of any size.
class BlockChecksum {
 public:
  BlockChecksum();
  ~BlockChecksum();
  BlockChecksum(const BlockChecksum&) = delete;
  BlockChecksum& operator=(const BlockChecksum&) = delete;

  void update(const void* data, size_t size);
  uint64_t finish();

 private:
  void* state_;  // XXH64_state_t, kept out of this header
  uint64_t in_block_ = 0;
  std::vector<uint64_t> block_hashes_;
};

// The block checksum of each span, computed on `threads` threads (0 = all
// cores) by splitting every span into its blocks.
std::vector<uint64_t> block_checksums(const std::vector<ByteSpan>& spans, unsigned threads);

// The block checksum from the hashes of a payload's blocks, in order.
uint64_t combine_block_hashes(const std::vector<uint64_t>& block_hashes);

// "checksum mismatch in the section's data (stored ..., computed ...); the
// file is damaged: ...": what a bad payload checksum is reported as.
std::string checksum_mismatch_message(uint64_t stored, uint64_t computed);

// Plain XXH64 (seed 0) of one or two byte ranges, for headers.
uint64_t xxh64(const void* data, size_t size);
uint64_t xxh64(const void* a, size_t a_size, const void* b, size_t b_size);

}  // namespace quiver::storage
