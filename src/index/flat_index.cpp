#include "index/flat_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>

#include "core/error.h"
#include "core/parallel.h"
#include "index/batch_checks.h"
#include "index/top_k.h"
#include "index/vector_checks.h"

namespace quiver {

FlatIndex::FlatIndex(uint32_t dim, Metric metric) : VectorIndex(dim, metric), distance_(metric) {}


void FlatIndex::append_locked(uint64_t key, const float* prepared, float norm) {
  rows_.insert(rows_.end(), prepared, prepared + dim());
  norms_.push_back(norm);
  keys_.push_back(key);
  row_of_key_.emplace(key, keys_.size() - 1);
}

void FlatIndex::check_writable() const {
  if (mapped_rows_) fail_read_only();
}

void FlatIndex::add(uint64_t key, const float* vector) {
  check_writable();
  std::vector<float> prepared(dim());
  float norm = prepare_vector(vector, dim(), metric(), prepared.data(), key_label(key).c_str());
  std::unique_lock lock(mutex_);
  if (row_of_key_.count(key))
    fail_duplicate_key(key, false);
  append_locked(key, prepared.data(), norm);
}

void FlatIndex::add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned) {
  check_writable();
  check_batch(n, keys, vectors, dim(), metric());
  std::unique_lock lock(mutex_);
  for (size_t i = 0; i < n; ++i)
    if (row_of_key_.count(keys[i]))
      fail_duplicate_key(keys[i], true);
  const size_t old = keys_.size(), d = dim();
  rows_.reserve((old + n) * d);
  norms_.reserve(old + n);
  keys_.reserve(old + n);
  rows_.resize((old + n) * d);  // within capacity: cannot throw
  try {
    for (size_t i = 0; i < n; ++i) {
      // Checked above, so this cannot fail.
      norms_.push_back(prepare_vector(vectors + i * d, d, metric(), rows_.data() + (old + i) * d,
                                      "vector"));
      keys_.push_back(keys[i]);
      row_of_key_.emplace(keys[i], old + i);  // may run out of memory
    }
  } catch (...) {
    // All or nothing: take back the rows of this batch.
    for (size_t i = old; i < keys_.size(); ++i) row_of_key_.erase(keys_[i]);
    rows_.resize(old * d);
    norms_.resize(old);
    keys_.resize(old);
    throw;
  }
}

void FlatIndex::remove(uint64_t key) {
  check_writable();
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
  const float* row = rows() + it->second * dim();
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
    distance_.many(query, rows() + begin * dim(), count, dim(), dim(), block);
    for (size_t i = 0; i < count; ++i) {
      if (block[i] < top.threshold() && options.filter.keeps(keys_[begin + i]))
        top.push(block[i], begin + i);
    }
  }
  for (const auto& [distance, row] : top.sorted()) out.push_back(Hit{distance, keys_[row]});
}

}  // namespace quiver

namespace quiver {

void FlatIndex::for_each_live(const std::function<void(uint64_t, const float*)>& fn) const {
  std::shared_lock lock(mutex_);
  std::vector<float> original(dim());
  for (size_t r = 0; r < keys_.size(); ++r) {
    const float* row = rows() + r * dim();
    for (size_t i = 0; i < dim(); ++i) original[i] = row[i] * norms_[r];
    fn(keys_[r], original.data());
  }
}

void FlatIndex::export_image(ImageSink& sink) const {
  std::shared_lock lock(mutex_);
  IndexHeader h{};
  h.kind = 1;
  h.dim = dim();
  h.metric = uint32_t(metric());
  h.node_count = keys_.size();
  h.live_count = keys_.size();
  h.entry = UINT64_MAX;
  auto span = [](const void* p, size_t bytes) {
    return std::vector<ByteSpan>{ByteSpan{static_cast<const uint8_t*>(p), bytes}};
  };
  sink.section(SectionKind::IndexHeader, sizeof h, 1, span(&h, sizeof h));
  sink.section(SectionKind::FlatRows, sizeof(float) * dim(), h.node_count,
               span(rows(), keys_.size() * dim() * sizeof(float)));
  sink.section(SectionKind::FlatNorms, sizeof(float), h.node_count,
               span(norms_.data(), norms_.size() * sizeof(float)));
  sink.section(SectionKind::FlatKeys, sizeof(uint64_t), h.node_count,
               span(keys_.data(), keys_.size() * sizeof(uint64_t)));
}

std::unique_ptr<FlatIndex> FlatIndex::import_image(const IndexHeader& h, const ImageSource& source,
                                                   bool defer_value_checks, unsigned threads) {
  auto index = std::make_unique<FlatIndex>(h.dim, Metric(h.metric));
  const uint64_t n = h.node_count;
  auto expect = [&](SectionKind kind, ByteSpan span, uint64_t element) {
    if (n > UINT64_MAX / element || span.size != n * element)
      fail(Status::Corrupt, source.describe(kind) + ": " + section_name(kind) + " holds " +
                                std::to_string(span.size) + " bytes, expected " +
                                std::to_string(n) + " x " + std::to_string(element));
  };
  ByteSpan rows = source.section(SectionKind::FlatRows);
  ByteSpan norms = source.section(SectionKind::FlatNorms);
  ByteSpan keys = source.section(SectionKind::FlatKeys);
  expect(SectionKind::FlatRows, rows, uint64_t(h.dim) * sizeof(float));
  expect(SectionKind::FlatNorms, norms, sizeof(float));
  expect(SectionKind::FlatKeys, keys, sizeof(uint64_t));
  if (h.live_count != n)
    fail(Status::Corrupt, source.describe(SectionKind::IndexHeader) +
                              ": index header: a flat index has no removed rows, but live count "
                              "differs from the row count");
  index->keys_.resize(n);
  index->norms_.resize(n);
  // An empty index has empty vectors (null data): memcpy must not see them.
  if (n > 0) {
    std::memcpy(index->keys_.data(), keys.data, keys.size);
    std::memcpy(index->norms_.data(), norms.data, norms.size);
  }
  if (source.mapped()) {
    index->image_ = source.keepalive();
    index->mapped_rows_ = reinterpret_cast<const float*>(rows.data);
  } else {
    index->rows_.resize(n * h.dim);
    if (n > 0) std::memcpy(index->rows_.data(), rows.data, rows.size);
  }
  for (uint64_t r = 0; r < n; ++r) {
    if (!index->row_of_key_.emplace(index->keys_[r], r).second)
      fail(Status::Corrupt, source.describe(SectionKind::FlatKeys) + ": flat keys: key " +
                                std::to_string(index->keys_[r]) + " appears twice");
  }
  if (!defer_value_checks || !source.mapped()) index->validate_image(source, threads);
  return index;
}

void FlatIndex::validate_image(const ImageSource& source, unsigned threads) const {
  std::shared_lock lock(mutex_);
  const size_t n = keys_.size(), d = dim();
  // Rows in parts, on all threads; the lowest non-finite element found is
  // reported, whatever the threads' timing.
  constexpr size_t kPartFloats = size_t(1) << 18;
  const size_t rows_per_part = std::max<size_t>(1, kPartFloats / d);
  const size_t parts = (n + rows_per_part - 1) / rows_per_part;
  std::vector<size_t> found(parts, n * d);
  parallel_for(parts, threads, 1, [&](size_t begin, size_t end) {
    for (size_t part = begin; part < end; ++part) {
      const size_t first = part * rows_per_part * d;
      const size_t count = std::min(n * d, first + rows_per_part * d) - first;
      const size_t at = find_non_finite(rows() + first, count);
      if (at != count) found[part] = first + at;
    }
  });
  const size_t bad = found.empty() ? 0 : *std::min_element(found.begin(), found.end());
  if (bad != n * d) {
    const size_t row = bad / d;
    fail(Status::Corrupt, source.describe(SectionKind::FlatRows) + ": flat vectors: row " +
                              std::to_string(row) + " (key " + std::to_string(keys_[row]) +
                              ") holds " + (std::isnan(rows()[bad]) ? "a NaN" : "an infinite") +
                              " value at element " + std::to_string(bad % d) + kBadValue);
  }
  for (size_t row = 0; row < n; ++row)
    if (!(norms_[row] > 0.0f) || !std::isfinite(norms_[row]))
      fail(Status::Corrupt, source.describe(SectionKind::FlatNorms) + ": flat norms: row " +
                                std::to_string(row) + " (key " + std::to_string(keys_[row]) +
                                ") has norm " + std::to_string(norms_[row]) +
                                ", not a positive finite number" + kBadValue);
}

}  // namespace quiver
