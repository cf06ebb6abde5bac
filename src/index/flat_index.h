// Exact search by scanning every vector.
//
// Vectors live in one contiguous row-major array so a scan streams memory at
// full bandwidth. A reader-writer lock lets any number of searches run
// together; adds and removes take it exclusively (they are O(dim) each, so
// searches wait at most for one of them).
#pragma once

#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "core/writer_preferring_mutex.h"
#include "index/metric_distance.h"
#include "index/vector_index.h"

namespace quiver {

class FlatIndex final : public VectorIndex {
 public:
  FlatIndex(uint32_t dim, Metric metric);

  void add(uint64_t key, const float* vector) override;
  void add_batch(size_t n, const uint64_t* keys, const float* vectors,
                 unsigned threads) override;
  void remove(uint64_t key) override;
  size_t size() const override;
  void get(uint64_t key, float* out) const override;
  void for_each_live(const std::function<void(uint64_t, const float*)>& fn) const override;
  void export_image(ImageSink& sink) const override;
  void validate_image(const ImageSource& source, unsigned threads) const override;
  // See import_index (index_factory.h); `defer_value_checks` leaves
  // validate_image to the caller (mapped sources only).
  static std::unique_ptr<FlatIndex> import_image(const IndexHeader& header,
                                                 const ImageSource& source,
                                                 bool defer_value_checks, unsigned threads);

 protected:
  void search_prepared(const float* query, const SearchOptions& options,
                       std::vector<Hit>& out) const override;

 private:
  void append_locked(uint64_t key, const float* prepared, float norm);
  void check_writable() const;
  const float* rows() const { return mapped_rows_ ? mapped_rows_ : rows_.data(); }

  MetricDistance distance_;
  mutable WriterPreferringMutex mutex_;  // writers do not starve under searches
  std::vector<float> rows_;    // size() * dim, prepared (normalised under cosine)
  std::vector<float> norms_;   // original norms under cosine, to give back what was added
  std::vector<uint64_t> keys_;
  std::unordered_map<uint64_t, size_t> row_of_key_;
  // A mapped image: rows are read in place, read-only.
  const float* mapped_rows_ = nullptr;
  std::shared_ptr<const void> image_;
};

}  // namespace quiver
