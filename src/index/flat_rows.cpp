#include "index/flat_rows.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

namespace quiver {

namespace {

// About this much vector data per chunk: large enough that a scan crosses a
// chunk boundary rarely and a 100 GB index needs some 25,000 mappings (the
// kernel's default limit is 65,530), small enough that the empty chunk and
// the partly filled last one cost little.
constexpr size_t kChunkBytes = size_t(4) << 20;
// Chunk 0 starts this small and doubles until it is a full chunk.
constexpr size_t kFirstChunkRows = 64;

int chunk_shift_for(uint32_t dim) {
  const size_t row_bytes = size_t(dim) * sizeof(float);
  const size_t rows = std::max<size_t>(1, kChunkBytes / std::max<size_t>(1, row_bytes));
  return std::bit_width(rows) - 1;  // the largest power of two <= rows
}

}  // namespace

FlatRows::FlatRows(uint32_t dim) : dim_(dim), chunk_shift_(chunk_shift_for(dim)) {}

FlatRows::~FlatRows() {
  for (Chunk& c : chunks_) unmap(c);
}

FlatRows::Chunk FlatRows::map_chunk(size_t capacity, bool with_rows) const {
  // Rows first, so that they start on a page; keys (8-byte aligned), norms.
  const size_t row_bytes = with_rows ? capacity * dim_ * sizeof(float) : 0;
  const size_t keys_at = (row_bytes + 7) & ~size_t(7);
  const size_t norms_at = keys_at + capacity * sizeof(uint64_t);
  const size_t bytes = norms_at + capacity * sizeof(float);
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  // A full chunk is filled end to end (by adds or a load): transparent huge
  // pages, where the system allows them, fault it in 2 MiB at a time.
  if (bytes >= kChunkBytes) (void)::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  char* base = static_cast<char*>(p);
  Chunk c;
  c.rows = with_rows ? reinterpret_cast<float*>(base) : nullptr;
  c.keys = reinterpret_cast<uint64_t*>(base + keys_at);
  c.norms = reinterpret_cast<float*>(base + norms_at);
  c.capacity = capacity;
  c.mapping = p;
  c.mapping_bytes = bytes;
  return c;
}

void FlatRows::unmap(Chunk& chunk) {
  if (chunk.mapping) ::munmap(chunk.mapping, chunk.mapping_bytes);
  chunk = Chunk{};
}

size_t FlatRows::capacity() const {
  if (chunks_.size() == 1) return chunks_[0].capacity;
  return chunks_.size() * rows_per_chunk();
}

void FlatRows::reserve(size_t rows) {
  if (rows <= capacity()) return;
  const size_t full = rows_per_chunk();
  if (chunks_.empty() || chunks_[0].capacity < full) {
    // Only chunk 0 exists and is not full size: double it (or jump to what
    // `rows` needs), copying the at most one chunk of rows it holds.
    const size_t old = chunks_.empty() ? 0 : chunks_[0].capacity;
    const size_t want =
        std::min(full, std::max({kFirstChunkRows, 2 * old, std::bit_ceil(std::min(rows, full))}));
    Chunk grown = map_chunk(want, true);
    if (chunks_.empty()) {
      try {
        chunks_.push_back(grown);
      } catch (...) {
        unmap(grown);
        throw;
      }
    } else {
      Chunk& first = chunks_[0];
      std::memcpy(grown.rows, first.rows, size_ * dim_ * sizeof(float));
      std::memcpy(grown.keys, first.keys, size_ * sizeof(uint64_t));
      std::memcpy(grown.norms, first.norms, size_ * sizeof(float));
      unmap(first);
      first = grown;
    }
  }
  const size_t needed = rows / full + (rows % full != 0);
  try {
    chunks_.reserve(needed);
    while (chunks_.size() < needed) chunks_.push_back(map_chunk(full, true));
  } catch (...) {
    resize(size_);  // unmaps what this call mapped that the rows do not need
    throw;
  }
}

void FlatRows::resize(size_t rows) {
  size_ = rows;
  // Keep the chunks the rows need, and the next one while the rows are
  // within a quarter chunk of it: rows going back and forth across a chunk
  // boundary then map and unmap at most once per quarter chunk of rows.
  const size_t full = rows_per_chunk(), near = rows + full / 4;
  const size_t keep = std::max<size_t>(1, near / full + (near % full != 0));
  while (chunks_.size() > keep) {
    unmap(chunks_.back());
    chunks_.pop_back();
  }
}

void FlatRows::attach(const float* rows, size_t count) {
  const size_t full = rows_per_chunk();
  chunks_.reserve(count / full + 1);
  for (size_t first = 0; first < count; first += full) {
    Chunk c = map_chunk(std::min(full, count - first), false);
    c.rows = const_cast<float*>(rows + first * dim_);  // never written: the index is read-only
    chunks_.push_back(c);                              // within the reserved capacity: cannot throw
  }
  size_ = count;
  attached_ = true;
}

}  // namespace quiver
