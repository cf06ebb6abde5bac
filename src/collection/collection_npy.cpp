// Collection::export_npy and Collection::import_npy.
#include <mutex>
#include <numeric>

#include "collection/collection.h"
#include "core/error.h"
#include "storage/npy_reader.h"
#include "storage/npy_writer.h"

namespace quiver {

void Collection::export_npy(const std::string& vectors_path, const std::string& keys_path) const {
  std::unique_lock lock(writers_);
  verify(0);  // a mapped index: report damage rather than export it (see save)
  const uint64_t n = index_->size();
  const uint64_t dim = index_->dim();
  std::vector<uint64_t> keys;
  keys.reserve(size_t(n));
  storage::NpyWriter vectors(vectors_path, "<f4", {n, dim}, sizeof(float));
  index_->for_each_live([&](uint64_t key, const float* v) {
    keys.push_back(key);
    vectors.append(v, size_t(dim) * sizeof(float));
  });
  if (keys.size() != n)
    fail(Status::Internal, "the index listed " + std::to_string(keys.size()) +
                               " live vectors but counts " + std::to_string(n));
  storage::NpyWriter key_file(keys_path, "<u8", {n}, sizeof(uint64_t));
  key_file.append(keys.data(), keys.size() * sizeof(uint64_t));
  vectors.commit();
  key_file.commit();
}

void Collection::import_npy(const std::string& vectors_path, const std::string& keys_path,
                            unsigned threads) {
  check_writable();
  FloatMatrix rows = storage::read_npy_vectors(vectors_path);
  if (rows.cols != index_->dim())
    fail(Status::DimensionMismatch,
         vectors_path + ": the vectors have dimension " + std::to_string(rows.cols) + " (shape (" +
             std::to_string(rows.rows) + ", " + std::to_string(rows.cols) + ")), the index " +
             std::to_string(index_->dim()));
  std::vector<uint64_t> keys;
  if (keys_path.empty()) {
    keys.resize(size_t(rows.rows));
    std::iota(keys.begin(), keys.end(), uint64_t(0));
  } else {
    keys = storage::read_npy_keys(keys_path);
    if (keys.size() != rows.rows)
      fail(Status::InvalidArgument,
           keys_path + " holds " + std::to_string(keys.size()) + " keys but " + vectors_path +
               " holds " + std::to_string(rows.rows) + " vectors; pass one key per vector");
  }
  if (rows.rows == 0) return;
  add_batch(size_t(rows.rows), keys.data(), rows.data.data(), threads);
}

}  // namespace quiver
