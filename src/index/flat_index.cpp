#include "index/flat_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>

#include "core/error.h"
#include "core/parallel.h"
#include "index/batch_checks.h"
#include "index/flat_scan.h"
#include "index/index_kind.h"
#include "index/top_k.h"
#include "index/vector_checks.h"

namespace quiver {

namespace {
// Rows of a compact index hold codes: as many floats as the code needs.
uint32_t row_floats(const VectorCodes& codes, uint32_t dim) {
  if (codes.storage() == Storage::F32) return dim;
  return uint32_t((codes.code_bytes() + sizeof(float) - 1) / sizeof(float));
}
}  // namespace

FlatIndex::FlatIndex(uint32_t dim, Metric metric, const StorageOptions& storage)
    : VectorIndex(dim, metric),
      storage_(storage),
      codes_(storage.type, metric, dim),
      distance_(metric),
      rows_(row_floats(codes_, dim)),
      originals_(dim) {}

size_t FlatIndex::memory_bytes() const {
  std::shared_lock lock(mutex_);
  // An unordered_map node (key, row, next pointer) plus its bucket pointer.
  constexpr size_t kKeyEntryBytes = 4 * sizeof(void*) + sizeof(void*);
  const size_t originals = storage_.keeps_originals() ? originals_.heap_bytes() : 0;
  return rows_.heap_bytes() + originals + row_of_key_.size() * kKeyEntryBytes;
}

void FlatIndex::store_prepared(size_t r, const float* prepared) {
  if (!compact()) {
    std::copy_n(prepared, dim(), rows_.row(r));
    return;
  }
  codes_.encode(prepared, code(r));
  if (storage_.keeps_originals()) std::copy_n(prepared, dim(), originals_.row(r));
}

void FlatIndex::copy_out(size_t r, float* out) const {
  if (!compact())
    std::copy_n(rows_.row(r), dim(), out);
  else if (storage_.keeps_originals())
    std::copy_n(originals_.row(r), dim(), out);
  else
    codes_.decode(code(r), out);
  const float norm = rows_.norm(r);
  if (norm != 1.0f)
    for (size_t i = 0; i < dim(); ++i) out[i] *= norm;
}

void FlatIndex::check_writable() const {
  if (image_) fail_read_only();
}

void FlatIndex::add(uint64_t key, const float* vector) {
  check_writable();
  std::vector<float> prepared(dim());
  float norm = prepare_vector(vector, dim(), metric(), prepared.data(), key_label(key).c_str());
  codes_.check_storable(1, vector);
  std::unique_lock lock(mutex_);
  if (row_of_key_.count(key)) fail_duplicate_key(key, false);
  const size_t row = rows_.size();
  rows_.reserve(row + 1);  // may map a chunk; moves no row
  if (storage_.keeps_originals()) originals_.reserve(row + 1);
  store_prepared(row, prepared.data());
  rows_.key(row) = key;
  rows_.norm(row) = norm;
  row_of_key_.emplace(key, row);  // may run out of memory: then the row is not counted
  rows_.resize(row + 1);
  if (storage_.keeps_originals()) originals_.resize(row + 1);
}

void FlatIndex::add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned) {
  check_writable();
  check_batch(n, keys, vectors, dim(), metric());
  codes_.check_storable(n, vectors);
  std::unique_lock lock(mutex_);
  for (size_t i = 0; i < n; ++i)
    if (row_of_key_.count(keys[i])) fail_duplicate_key(keys[i], true);
  // Room for old + n rows: new chunks only, the stored rows stay where they
  // are, so a batch costs O(n) whatever the index size. (An exact reserve on
  // one growable array here made every batch copy the whole index.)
  const size_t old = rows_.size(), d = dim();
  rows_.reserve(old + n);
  if (storage_.keeps_originals()) originals_.reserve(old + n);
  std::vector<float> prepared(compact() ? d : 0);
  size_t i = 0;
  try {
    for (; i < n; ++i) {
      // Checked above, so this cannot fail.
      if (!compact()) {
        rows_.norm(old + i) =
            prepare_vector(vectors + i * d, d, metric(), rows_.row(old + i), "vector");
      } else {
        rows_.norm(old + i) =
            prepare_vector(vectors + i * d, d, metric(), prepared.data(), "vector");
        store_prepared(old + i, prepared.data());
      }
      rows_.key(old + i) = keys[i];
      row_of_key_.emplace(keys[i], old + i);  // may run out of memory
    }
  } catch (...) {
    // All or nothing: take back the rows of this batch.
    for (size_t j = 0; j < i; ++j) row_of_key_.erase(keys[j]);
    rows_.resize(old);
    if (storage_.keeps_originals()) originals_.resize(old);
    throw;
  }
  rows_.resize(old + n);
  if (storage_.keeps_originals()) originals_.resize(old + n);
}

void FlatIndex::remove(uint64_t key) {
  check_writable();
  std::unique_lock lock(mutex_);
  auto it = row_of_key_.find(key);
  if (it == row_of_key_.end())
    fail(Status::NotFound, "no vector with key " + std::to_string(key) + " in the index");
  // Keep rows dense: move the last row into the hole. Searches hold the
  // shared lock, so none sees the rows while they move; the chunk the last
  // row leaves is unmapped by resize once empty (see flat_rows.h).
  size_t row = it->second, last = rows_.size() - 1;
  row_of_key_.erase(it);
  if (row != last) {
    std::copy_n(rows_.row(last), rows_.row_floats(), rows_.row(row));
    if (storage_.keeps_originals()) std::copy_n(originals_.row(last), dim(), originals_.row(row));
    rows_.norm(row) = rows_.norm(last);
    rows_.key(row) = rows_.key(last);
    row_of_key_[rows_.key(row)] = row;
  }
  rows_.resize(last);
  if (storage_.keeps_originals()) originals_.resize(last);
}

void FlatIndex::upsert(uint64_t key, const float* vector) {
  check_writable();
  std::vector<float> prepared(dim());
  const float norm =
      prepare_vector(vector, dim(), metric(), prepared.data(), key_label(key).c_str());
  codes_.check_storable(1, vector);
  for (;;) {
    {
      // Searches hold the shared lock: the row changes between two of them.
      std::unique_lock lock(mutex_);
      auto it = row_of_key_.find(key);
      if (it != row_of_key_.end()) {
        store_prepared(it->second, prepared.data());
        rows_.norm(it->second) = norm;
        return;
      }
    }
    try {
      return add(key, vector);
    } catch (const Error& e) {
      // A plain add of the key won the race: replace what it added.
      if (e.status() != Status::DuplicateKey) throw;
    }
  }
}

size_t FlatIndex::size() const {
  std::shared_lock lock(mutex_);
  return rows_.size();
}

void FlatIndex::get(uint64_t key, float* out) const {
  std::shared_lock lock(mutex_);
  auto it = row_of_key_.find(key);
  if (it == row_of_key_.end())
    fail(Status::NotFound, "no vector with key " + std::to_string(key) + " in the index");
  copy_out(it->second, out);
}

void FlatIndex::search_prepared(const float* query, const SearchOptions& options,
                                std::vector<Hit>& out) const {
  if (compact()) return search_codes(query, options, out);
  std::shared_lock lock(mutex_);
  FlatScan(rows_, dim(), metric(), distance_, options.filter).search(query, options.k, out);
}

void FlatIndex::search_checked_batch(size_t nq, const float* queries, const SearchOptions& options,
                                     unsigned threads, const BatchOutput& out) const {
  // Codes are scanned query by query (each takes the lock).
  if (compact()) return VectorIndex::search_checked_batch(nq, queries, options, threads, out);
  // One lock for the batch: every query sees the same rows.
  std::shared_lock lock(mutex_);
  FlatScan(rows_, dim(), metric(), distance_, options.filter)
      .search_batch(nq, queries, options.k, threads, out);
}

}  // namespace quiver

namespace quiver {

void FlatIndex::for_each_live(const std::function<void(uint64_t, const float*)>& fn) const {
  std::shared_lock lock(mutex_);
  std::vector<float> original(dim());
  for (size_t r = 0; r < rows_.size(); ++r) {
    copy_out(r, original.data());
    fn(rows_.key(r), original.data());
  }
}

void FlatIndex::export_image(ImageSink& sink) const {
  std::shared_lock lock(mutex_);
  IndexHeader h{};
  h.kind = uint32_t(IndexKind::Flat);
  h.dim = dim();
  h.metric = uint32_t(metric());
  h.node_count = rows_.size();
  h.live_count = rows_.size();
  h.entry = UINT64_MAX;
  h.storage = uint32_t(storage_.type);
  h.flags = storage_.keeps_originals() ? kHeaderKeepsOriginals : 0;
  sink.section(SectionKind::IndexHeader, sizeof h, 1,
               {ByteSpan{reinterpret_cast<const uint8_t*>(&h), sizeof h}});
  // Each section is one part per chunk, laid end to end in row order.
  std::vector<ByteSpan> rows, norms, keys;
  rows_.for_each_run([&](const FlatRows::Run& run) {
    auto span = [&](const void* p, size_t element) {
      return ByteSpan{static_cast<const uint8_t*>(p), run.count * element};
    };
    rows.push_back(span(run.rows, sizeof(float) * rows_.row_floats()));
    norms.push_back(span(run.norms, sizeof(float)));
    keys.push_back(span(run.keys, sizeof(uint64_t)));
  });
  // F32: FlatRows holds the vectors. Compact: FlatCodes the codes (each
  // padded to whole floats) and FlatRows the originals, when kept.
  sink.section(compact() ? SectionKind::FlatCodes : SectionKind::FlatRows,
               sizeof(float) * rows_.row_floats(), h.node_count, rows);
  if (storage_.keeps_originals()) {
    std::vector<ByteSpan> originals;
    originals_.for_each_run([&](const FlatRows::Run& run) {
      originals.push_back(
          ByteSpan{reinterpret_cast<const uint8_t*>(run.rows), run.count * sizeof(float) * dim()});
    });
    sink.section(SectionKind::FlatRows, sizeof(float) * dim(), h.node_count, originals);
  }
  sink.section(SectionKind::FlatNorms, sizeof(float), h.node_count, norms);
  sink.section(SectionKind::FlatKeys, sizeof(uint64_t), h.node_count, keys);
}

std::unique_ptr<FlatIndex> FlatIndex::import_image(const IndexHeader& h, const ImageSource& source,
                                                   bool defer_value_checks, unsigned threads) {
  const StorageOptions storage = read_storage(source, h);
  auto index = std::make_unique<FlatIndex>(h.dim, Metric(h.metric), storage);
  const bool compact = index->compact(), originals = storage.keeps_originals();
  const SectionKind vectors = compact ? SectionKind::FlatCodes : SectionKind::FlatRows;
  const uint64_t n = h.node_count;
  auto expect = [&](SectionKind kind, uint64_t element) {
    const size_t size = source.section_size(kind);
    if (n > UINT64_MAX / element || size != n * element)
      fail(Status::Corrupt, source.describe(kind) + ": " + section_name(kind) + " holds " +
                                std::to_string(size) + " bytes, expected " + std::to_string(n) +
                                " x " + std::to_string(element));
  };
  expect(vectors, uint64_t(index->rows_.row_floats()) * sizeof(float));
  if (compact && originals) expect(SectionKind::FlatRows, uint64_t(h.dim) * sizeof(float));
  expect(SectionKind::FlatNorms, sizeof(float));
  expect(SectionKind::FlatKeys, sizeof(uint64_t));
  if (h.live_count != n)
    fail(Status::Corrupt, source.describe(SectionKind::IndexHeader) +
                              ": index header: a flat index has no removed rows, but live count "
                              "differs from the row count");
  FlatRows& store = index->rows_;
  if (source.mapped()) {
    index->image_ = source.keepalive();
    store.attach(reinterpret_cast<const float*>(source.section(vectors).data), n);
    if (compact && originals)
      index->originals_.attach(
          reinterpret_cast<const float*>(source.section(SectionKind::FlatRows).data), n);
  } else {
    store.reserve(n);
    store.resize(n);
    if (compact && originals) {
      index->originals_.reserve(n);
      index->originals_.resize(n);
      std::vector<MutableSpan> parts;
      index->originals_.for_each_run([&](const FlatRows::Run& run) {
        parts.push_back(MutableSpan{reinterpret_cast<uint8_t*>(const_cast<float*>(run.rows)),
                                    run.count * size_t(h.dim) * sizeof(float)});
      });
      source.copy_section(SectionKind::FlatRows, parts, threads);
    }
  }
  // Each section straight into the runs (a mapped image's rows stay where
  // they are): one pass over the bytes, checksums included.
  std::vector<MutableSpan> rows, keys, norms;
  store.for_each_run([&](const FlatRows::Run& run) {
    auto part = [&](const void* p, size_t element) {
      return MutableSpan{static_cast<uint8_t*>(const_cast<void*>(p)), run.count * element};
    };
    rows.push_back(part(run.rows, size_t(store.row_floats()) * sizeof(float)));
    keys.push_back(part(run.keys, sizeof(uint64_t)));
    norms.push_back(part(run.norms, sizeof(float)));
  });
  if (!source.mapped()) source.copy_section(vectors, rows, threads);
  source.copy_section(SectionKind::FlatKeys, keys, threads);
  source.copy_section(SectionKind::FlatNorms, norms, threads);
  index->row_of_key_.reserve(n);  // one allocation, no rehash
  for (uint64_t r = 0; r < n; ++r) {
    if (!index->row_of_key_.emplace(store.key(r), r).second)
      fail(Status::Corrupt, source.describe(SectionKind::FlatKeys) + ": flat keys: key " +
                                std::to_string(store.key(r)) + " appears twice");
  }
  if (!defer_value_checks || !source.mapped()) index->validate_image(source, threads);
  return index;
}

void FlatIndex::validate_image(const ImageSource& source, unsigned threads) const {
  if (compact()) return validate_codes(source, threads);
  std::shared_lock lock(mutex_);
  const size_t n = rows_.size(), d = dim();
  // Rows in parts of at most one chunk, on all threads; the lowest
  // non-finite element found is reported, whatever the threads' timing.
  constexpr size_t kPartFloats = size_t(1) << 18;
  struct Part {
    const float* values;
    size_t first;  // element number of values[0]
    size_t count;
  };
  std::vector<Part> parts;
  const size_t rows_per_part = std::max<size_t>(1, kPartFloats / d);
  rows_.for_each_run([&](const FlatRows::Run& run) {
    for (size_t r = 0; r < run.count; r += rows_per_part)
      parts.push_back(
          Part{run.rows + r * d, (run.first + r) * d, std::min(rows_per_part, run.count - r) * d});
  });
  std::vector<size_t> found(parts.size(), n * d);
  parallel_for(parts.size(), threads, 1, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p) {
      const size_t at = find_non_finite(parts[p].values, parts[p].count);
      if (at != parts[p].count) found[p] = parts[p].first + at;
    }
  });
  const size_t bad = found.empty() ? n * d : *std::min_element(found.begin(), found.end());
  if (bad != n * d) {
    const size_t row = bad / d;
    fail(Status::Corrupt, source.describe(SectionKind::FlatRows) + ": flat vectors: row " +
                              std::to_string(row) + " (key " + std::to_string(rows_.key(row)) +
                              ") holds " +
                              (std::isnan(rows_.row(row)[bad % d]) ? "a NaN" : "an infinite") +
                              " value at element " + std::to_string(bad % d) + kBadValue);
  }
  for (size_t row = 0; row < n; ++row)
    if (!(rows_.norm(row) > 0.0f) || !std::isfinite(rows_.norm(row)))
      fail(Status::Corrupt, source.describe(SectionKind::FlatNorms) + ": flat norms: row " +
                                std::to_string(row) + " (key " + std::to_string(rows_.key(row)) +
                                ") has norm " + std::to_string(rows_.norm(row)) +
                                ", not a positive finite number" + kBadValue);
}

}  // namespace quiver
