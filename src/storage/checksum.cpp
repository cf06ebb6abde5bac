#include "storage/checksum.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <new>

#include "core/parallel.h"
#include "storage/segment_format.h"

namespace quiver::storage {

namespace {

XXH64_state_t* state_of(void* p) { return static_cast<XXH64_state_t*>(p); }

std::string hex(uint64_t v) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

uint64_t combine_block_hashes(const std::vector<uint64_t>& block_hashes) {
  return XXH64(block_hashes.data(), block_hashes.size() * sizeof(uint64_t), 0);
}

std::string checksum_mismatch_message(uint64_t stored, uint64_t computed) {
  return "checksum mismatch in the section's data (stored " + hex(stored) + ", computed " +
         hex(computed) + "); the file is damaged: restore it from a backup or save the index again";
}

BlockChecksum::BlockChecksum() : state_(XXH64_createState()) {
  if (!state_) throw std::bad_alloc();
  XXH64_reset(state_of(state_), 0);
}

BlockChecksum::~BlockChecksum() { XXH64_freeState(state_of(state_)); }

void BlockChecksum::update(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    if (in_block_ == 0 && size >= kChecksumBlock) {
      block_hashes_.push_back(XXH64(p, kChecksumBlock, 0));
      p += kChecksumBlock;
      size -= kChecksumBlock;
      continue;
    }
    size_t take = size_t(std::min<uint64_t>(size, kChecksumBlock - in_block_));
    XXH64_update(state_of(state_), p, take);
    in_block_ += take;
    p += take;
    size -= take;
    if (in_block_ == kChecksumBlock) {
      block_hashes_.push_back(XXH64_digest(state_of(state_)));
      XXH64_reset(state_of(state_), 0);
      in_block_ = 0;
    }
  }
}

uint64_t BlockChecksum::finish() {
  if (in_block_ > 0) {
    block_hashes_.push_back(XXH64_digest(state_of(state_)));
    XXH64_reset(state_of(state_), 0);
    in_block_ = 0;
  }
  uint64_t result = combine_block_hashes(block_hashes_);
  block_hashes_.clear();
  return result;
}

std::vector<uint64_t> block_checksums(const std::vector<ByteSpan>& spans, unsigned threads) {
  struct Block {
    const uint8_t* data;
    size_t size;
  };
  std::vector<Block> blocks;
  std::vector<size_t> first_block(spans.size() + 1);
  for (size_t s = 0; s < spans.size(); ++s) {
    first_block[s] = blocks.size();
    for (size_t off = 0; off < spans[s].size; off += kChecksumBlock)
      blocks.push_back(
          {spans[s].data + off, size_t(std::min<uint64_t>(kChecksumBlock, spans[s].size - off))});
  }
  first_block[spans.size()] = blocks.size();
  std::vector<uint64_t> hashes(blocks.size());
  // A few blocks hash faster than a thread starts.
  if (blocks.size() < 8) threads = 1;
  parallel_for(blocks.size(), threads, 1, [&](size_t begin, size_t end) {
    for (size_t b = begin; b < end; ++b) hashes[b] = XXH64(blocks[b].data, blocks[b].size, 0);
  });
  std::vector<uint64_t> result(spans.size());
  for (size_t s = 0; s < spans.size(); ++s)
    result[s] = combine_block_hashes(std::vector<uint64_t>(hashes.begin() + first_block[s],
                                                           hashes.begin() + first_block[s + 1]));
  return result;
}

uint64_t xxh64(const void* data, size_t size) { return XXH64(data, size, 0); }

uint64_t xxh64(const void* a, size_t a_size, const void* b, size_t b_size) {
  XXH64_state_t* st = XXH64_createState();
  if (!st) throw std::bad_alloc();
  XXH64_reset(st, 0);
  XXH64_update(st, a, a_size);
  XXH64_update(st, b, b_size);
  uint64_t h = XXH64_digest(st);
  XXH64_freeState(st);
  return h;
}

}  // namespace quiver::storage
