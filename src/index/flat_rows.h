// The rows of a FLAT index (prepared vectors with their keys and norms) in
// chunks whose addresses never change.
//
// Every chunk but the first holds rows_per_chunk() rows (a power of two, about
// 4 MiB of vectors), so row r lives in chunk r / rows_per_chunk(). Growing
// adds a chunk and never moves the rows already stored: adding to a large
// index copies nothing, whatever the batch size. Only while the whole index
// fits in chunk 0 does chunk 0 grow by doubling (a copy of at most one chunk),
// so that a small index does not map a whole chunk. Shrinking unmaps the
// chunks past the last row (an empty one is kept while the rows are within a
// quarter chunk of it, so that adds and removes at a chunk boundary do not
// map and unmap each time): memory follows the row count.
//
// Chunks are anonymous mappings: zero pages until written, and given back to
// the system as soon as they are unmapped, whatever the allocator keeps.
// Memory: dim x 4 + 12 bytes per row, plus at most one and a quarter chunks
// (the partly filled last one, and that empty one), plus the owner's key map.
//
// Not thread-safe: the owner locks (readers may share, writers exclusive).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace quiver {

class FlatRows {
 public:
  explicit FlatRows(uint32_t dim);
  ~FlatRows();
  FlatRows(const FlatRows&) = delete;
  FlatRows& operator=(const FlatRows&) = delete;

  size_t size() const { return size_; }
  size_t rows_per_chunk() const { return size_t(1) << chunk_shift_; }
  uint32_t row_floats() const { return dim_; }  // floats per row
  // Bytes of the rows in use, with their keys and norms (an attached
  // image's rows not counted). Chunks are mapped ahead, but their untouched
  // pages cost nothing.
  size_t heap_bytes() const {
    return size_ * ((attached_ ? 0 : dim_ * sizeof(float)) + sizeof(uint64_t) + sizeof(float));
  }

  // Makes room for `rows` rows in all; size() is unchanged. Throws
  // std::bad_alloc, leaving the rows as they were.
  void reserve(size_t rows);
  // Sets the row count. Growing needs reserve() first (the new rows hold
  // whatever was there); shrinking unmaps chunks no longer needed.
  void resize(size_t rows);

  float* row(size_t r) { return chunk(r).rows + offset(r) * dim_; }
  const float* row(size_t r) const { return chunk(r).rows + offset(r) * dim_; }
  uint64_t& key(size_t r) { return chunk(r).keys[offset(r)]; }
  uint64_t key(size_t r) const { return chunk(r).keys[offset(r)]; }
  float& norm(size_t r) { return chunk(r).norms[offset(r)]; }
  float norm(size_t r) const { return chunk(r).norms[offset(r)]; }

  // The rows [0, size()) as contiguous runs, one per chunk, in row order.
  struct Run {
    size_t first;  // row number of rows[0]
    size_t count;
    const float* rows;
    const uint64_t* keys;
    const float* norms;
  };
  template <typename Fn>
  void for_each_run(Fn&& fn) const {
    for (size_t c = 0, first = 0; c < chunks_.size() && first < size_; ++c) {
      const Chunk& chunk = chunks_[c];
      const size_t count = std::min(chunk.capacity, size_ - first);
      fn(Run{first, count, chunk.rows, chunk.keys, chunk.norms});
      first += count;
    }
  }

  // Reads the rows of a read-only mapped image in place: `rows` holds
  // `count` rows, contiguous. Only on an empty store, which must not grow
  // afterwards; keys and norms are then filled through key() and norm().
  // Throws std::bad_alloc.
  void attach(const float* rows, size_t count);

 private:
  struct Chunk {
    float* rows = nullptr;
    uint64_t* keys = nullptr;
    float* norms = nullptr;
    size_t capacity = 0;
    void* mapping = nullptr;  // what to unmap: keys and norms, and rows unless attached
    size_t mapping_bytes = 0;
  };

  Chunk& chunk(size_t r) { return chunks_[r >> chunk_shift_]; }
  const Chunk& chunk(size_t r) const { return chunks_[r >> chunk_shift_]; }
  size_t offset(size_t r) const { return r & (rows_per_chunk() - 1); }
  size_t capacity() const;
  Chunk map_chunk(size_t capacity, bool with_rows) const;
  static void unmap(Chunk& chunk);

  uint32_t dim_;
  int chunk_shift_;
  size_t size_ = 0;
  bool attached_ = false;  // rows read in place from an image
  std::vector<Chunk> chunks_;
};

}  // namespace quiver
