// Exact search by scanning every vector.
//
// Searches scan every row (flat_scan.h); a batch scans a block of queries at
// a time, so that each row read serves the whole block.
//
// Vectors live in FlatRows: chunks of about 4 MiB of contiguous rows, so a
// scan streams memory at full bandwidth and growing never moves the rows
// already stored. A reader-writer lock lets any number of searches run
// together; adds and removes take it exclusively. An add costs O(dim) and a
// batch O(n dim), amortised: no vector is ever copied to grow (the one step
// that grows with the index is the key map's rehash at each doubling), so
// searches wait for one add or batch, never for a copy of the index. A
// remove moves the last row into the hole, keeping rows dense; the chunks
// this frees are unmapped at once, so FLAT needs no compact.
//
// Memory per row: dim x 4 bytes of vector, 12 of key and norm, and about 40
// of key map (an unordered_map node and its bucket); plus at most 1.25
// chunks of slack (see flat_rows.h). At dim 128 that is about 1.1x the raw
// vector bytes. With compact storage (vector_storage.h) the rows hold codes
// and, for I8 / B1 with originals, a second set of rows the float32 vectors.
#pragma once

#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "core/writer_preferring_mutex.h"
#include "index/flat_rows.h"
#include "index/metric_distance.h"
#include "index/vector_codes.h"
#include "index/vector_index.h"

namespace quiver {

class FlatIndex final : public VectorIndex {
 public:
  FlatIndex(uint32_t dim, Metric metric, const StorageOptions& storage = {});
  size_t memory_bytes() const override;
  StorageOptions storage() const override { return storage_; }

  void add(uint64_t key, const float* vector) override;
  void add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned threads) override;
  void remove(uint64_t key) override;
  void upsert(uint64_t key, const float* vector) override;
  size_t size() const override;
  void get(uint64_t key, float* out) const override;
  void for_each_live(const std::function<void(uint64_t, const float*)>& fn) const override;
  void export_image(ImageSink& sink) const override;
  void validate_image(const ImageSource& source, unsigned threads) const override;
  // See import_index (index_factory.h); `defer_value_checks` leaves
  // validate_image to the caller (mapped sources only).
  static std::unique_ptr<FlatIndex> import_image(const IndexHeader& header,
                                                 const ImageSource& source, bool defer_value_checks,
                                                 unsigned threads);

 protected:
  void search_prepared(const float* query, const SearchOptions& options,
                       std::vector<Hit>& out) const override;
  // Blocks of queries scanned together (flat_scan.h).
  void search_checked_batch(size_t nq, const float* queries, const SearchOptions& options,
                            unsigned threads, const BatchOutput& out) const override;

 private:
  void check_writable() const;
  bool compact() const { return storage_.type != Storage::F32; }
  // Row r's stored vector: prepared float32 (F32) or its code (others).
  char* code(size_t r) { return reinterpret_cast<char*>(rows_.row(r)); }
  const char* code(size_t r) const { return reinterpret_cast<const char*>(rows_.row(r)); }
  // Encodes a prepared vector into row r (and keeps the original).
  void store_prepared(size_t r, const float* prepared);
  void copy_out(size_t r, float* out) const;  // the vector as added
  // Compact storage (flat_index_codes.cpp): a scan of the codes keeping the
  // best candidates, re-ranked on the originals when they are kept.
  void search_codes(const float* query, const SearchOptions& options, std::vector<Hit>& out) const;
  void validate_codes(const ImageSource& source, unsigned threads) const;

  StorageOptions storage_;
  VectorCodes codes_;
  MetricDistance distance_;
  mutable WriterPreferringMutex mutex_;  // writers do not starve under searches
  // Prepared vectors (normalised under cosine), their keys, and the original
  // norms under cosine, to give back what was added.
  FlatRows rows_;
  // keeps_originals(): the prepared float32 vectors, row for row with rows_
  // (whose keys and norms are the ones used).
  FlatRows originals_;
  std::unordered_map<uint64_t, size_t> row_of_key_;
  // A mapped image: rows are read in place, read-only.
  std::shared_ptr<const void> image_;
};

}  // namespace quiver
