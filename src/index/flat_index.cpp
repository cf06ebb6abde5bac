#include "index/flat_index.h"

#include <algorithm>
#include <mutex>
#include <string>

#include "core/error.h"
#include "index/batch_checks.h"
#include "index/top_k.h"
#include "index/vector_checks.h"

namespace quiver {

FlatIndex::FlatIndex(uint32_t dim, Metric metric) : VectorIndex(dim, metric), distance_(metric) {}

static std::string key_label(uint64_t key) { return "vector for key " + std::to_string(key); }

void FlatIndex::append_locked(uint64_t key, const float* prepared, float norm) {
  rows_.insert(rows_.end(), prepared, prepared + dim());
  norms_.push_back(norm);
  keys_.push_back(key);
  row_of_key_.emplace(key, keys_.size() - 1);
}

void FlatIndex::add(uint64_t key, const float* vector) {
  std::vector<float> prepared(dim());
  float norm = prepare_vector(vector, dim(), metric(), prepared.data(), key_label(key).c_str());
  std::unique_lock lock(mutex_);
  if (row_of_key_.count(key))
    fail(Status::DuplicateKey, "key " + std::to_string(key) +
                                   " is already in the index; remove it first to replace it");
  append_locked(key, prepared.data(), norm);
}

void FlatIndex::add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned) {
  check_unique_keys(n, keys);
  std::vector<float> prepared(n * dim());
  std::vector<float> norms(n);
  for (size_t i = 0; i < n; ++i)
    norms[i] = prepare_vector(vectors + i * dim(), dim(), metric(), prepared.data() + i * dim(),
                              key_label(keys[i]).c_str());
  std::unique_lock lock(mutex_);
  for (size_t i = 0; i < n; ++i)
    if (row_of_key_.count(keys[i]))
      fail(Status::DuplicateKey, "key " + std::to_string(keys[i]) +
                                     " is already in the index; nothing from the batch was added");
  rows_.reserve(rows_.size() + n * dim());
  for (size_t i = 0; i < n; ++i) append_locked(keys[i], prepared.data() + i * dim(), norms[i]);
}

void FlatIndex::remove(uint64_t key) {
  std::unique_lock lock(mutex_);
  auto it = row_of_key_.find(key);
  if (it == row_of_key_.end())
    fail(Status::NotFound, "no vector with key " + std::to_string(key) + " in the index");
  // Keep rows dense: move the last row into the hole.
  size_t row = it->second, last = keys_.size() - 1;
  row_of_key_.erase(it);
  if (row != last) {
    std::copy_n(rows_.begin() + last * dim(), dim(), rows_.begin() + row * dim());
    norms_[row] = norms_[last];
    keys_[row] = keys_[last];
    row_of_key_[keys_[row]] = row;
  }
  rows_.resize(last * dim());
  norms_.pop_back();
  keys_.pop_back();
}

size_t FlatIndex::size() const {
  std::shared_lock lock(mutex_);
  return keys_.size();
}

void FlatIndex::get(uint64_t key, float* out) const {
  std::shared_lock lock(mutex_);
  auto it = row_of_key_.find(key);
  if (it == row_of_key_.end())
    fail(Status::NotFound, "no vector with key " + std::to_string(key) + " in the index");
  const float* row = rows_.data() + it->second * dim();
  float norm = norms_[it->second];
  for (size_t i = 0; i < dim(); ++i) out[i] = row[i] * norm;
}

void FlatIndex::search_prepared(const float* query, const SearchOptions& options,
                                std::vector<Hit>& out) const {
  // Distances are computed a block at a time so the block stays in L1 while
  // the selector reads it.
  constexpr size_t kBlock = 256;
  float block[kBlock];
  TopK<size_t> top;
  top.reset(options.k);
  std::shared_lock lock(mutex_);
  const size_t n = keys_.size();
  for (size_t begin = 0; begin < n; begin += kBlock) {
    size_t count = std::min(kBlock, n - begin);
    distance_.many(query, rows_.data() + begin * dim(), count, dim(), dim(), block);
    for (size_t i = 0; i < count; ++i) {
      if (block[i] < top.threshold() && options.filter.keeps(keys_[begin + i]))
        top.push(block[i], begin + i);
    }
  }
  for (const auto& [distance, row] : top.sorted()) out.push_back(Hit{distance, keys_[row]});
}

}  // namespace quiver
