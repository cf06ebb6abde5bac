#include "collection/collection.h"

#include <cstring>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "index/index_factory.h"

namespace quiver {

Collection::Collection(std::unique_ptr<VectorIndex> index) : index_(std::move(index)) {}

void Collection::check_writable() const {
  if (read_only_) fail_read_only();
}

bool Collection::contains(uint64_t key) const {
  thread_local std::vector<float> scratch;
  scratch.resize(index_->dim());
  try {
    index_->get(key, scratch.data());
    return true;
  } catch (const Error& e) {
    if (e.status() == Status::NotFound) return false;
    throw;
  }
}

size_t Collection::memory_bytes() const {
  const size_t index_bytes = index_->memory_bytes();
  std::shared_lock lock(metadata_mutex_);
  const size_t keyword_bytes =
      keywords_built_.load(std::memory_order_acquire) ? keywords_.heap_bytes() : 0;
  return index_bytes + metadata_.heap_bytes() + keyword_bytes + documents_.heap_bytes();
}

CollectionInfo Collection::info() const {
  CollectionInfo info;
  info.dim = index_->dim();
  info.metric = index_->metric();
  info.count = index_->size();
  info.read_only = read_only_;
  info.storage = index_->storage();
  if (const auto* hnsw = dynamic_cast<const HnswIndex*>(index_.get())) {
    info.kind = IndexKind::Hnsw;
    info.hnsw = hnsw->params();
    uint64_t nodes = hnsw->node_count();
    info.deleted = nodes > info.count ? nodes - info.count : 0;
  }
  std::shared_lock lock(metadata_mutex_);
  info.metadata_count = metadata_.size();
  return info;
}

void Collection::add(uint64_t key, const float* vector) {
  check_writable();
  std::shared_lock lock(writers_);
  index_->add(key, vector);
}

void Collection::upsert(uint64_t key, const float* vector) {
  check_writable();
  std::shared_lock lock(writers_);
  auto key_lock = key_locks_.lock(key);
  index_->upsert(key, vector);
}

void Collection::add_batch(size_t n, const uint64_t* keys, const float* vectors, unsigned threads) {
  check_writable();
  std::shared_lock lock(writers_);
  index_->add_batch(n, keys, vectors, threads);
}

// The invariant: a key holds metadata only while it is live, and the
// metadata set after an add returned stays until a later remove (or set).
// remove and set_metadata of one key exclude each other (its key lock), so
// a remove takes the key out of the index and erases its metadata as one
// step for set_metadata. add takes no key lock: an add landing between the
// two halves of a remove creates a new version of the key, whose
// set_metadata waits for the remove to finish, so the late erase can only
// hit the old version's blob. Erasing after the index (not before) means a
// reader may briefly see the blob of a key just removed, never a live key
// without its blob. Searches take none of these locks.
void Collection::remove(uint64_t key) {
  check_writable();
  std::shared_lock lock(writers_);
  auto key_lock = key_locks_.lock(key);
  index_->remove(key);
  std::unique_lock meta(metadata_mutex_);
  metadata_.erase(key);
  if (keywords_built_.load(std::memory_order_acquire)) keywords_.erase(key);
}

void Collection::set_metadata(uint64_t key, const void* data, size_t size) {
  check_writable();
  std::shared_lock lock(writers_);
  auto key_lock = key_locks_.lock(key);
  if (!contains(key))
    fail(Status::NotFound, "no vector with key " + std::to_string(key) +
                               " in the index; add the vector before its metadata");
  std::unique_lock meta(metadata_mutex_);
  metadata_.set(key, data, size);
  if (keywords_built_.load(std::memory_order_acquire))
    keywords_.set(key, std::string_view(static_cast<const char*>(data), size));
}

void Collection::build_keywords() const {
  if (keywords_built_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> once(keywords_build_mutex_);
  if (keywords_built_.load(std::memory_order_acquire)) return;
  std::shared_lock meta(metadata_mutex_);
  metadata_.for_each([this](uint64_t key, ByteSpan blob) {
    keywords_.set(key, std::string_view(reinterpret_cast<const char*>(blob.data), blob.size));
  });
  keywords_built_.store(true, std::memory_order_release);
}

void Collection::search_keywords(std::string_view query, size_t k, const KeyFilter& filter,
                                 std::vector<KeywordHit>& out) const {
  build_keywords();
  keywords_.search(query, k, filter, out);
}

std::optional<ByteSpan> Collection::get_metadata(uint64_t key) const {
  std::shared_lock meta(metadata_mutex_);
  return metadata_.get(key);
}

std::optional<size_t> Collection::copy_metadata(uint64_t key, void* out, size_t capacity) const {
  std::shared_lock meta(metadata_mutex_);
  const std::optional<ByteSpan> blob = metadata_.get(key);
  if (!blob) return std::nullopt;
  if (const size_t n = std::min(blob->size, capacity)) std::memcpy(out, blob->data, n);
  return blob->size;
}

void Collection::compact(unsigned threads) {
  check_writable();
  std::unique_lock lock(writers_);
  auto* hnsw = dynamic_cast<HnswIndex*>(index_.get());
  if (!hnsw) return;  // a flat index keeps its rows dense: nothing to drop
  if (hnsw->node_count() != hnsw->size()) {
    const size_t n = index_->size();
    const size_t dim = index_->dim();
    std::vector<uint64_t> keys;
    std::vector<float> vectors;
    keys.reserve(n);
    vectors.reserve(n * dim);
    index_->for_each_live([&](uint64_t key, const float* v) {
      keys.push_back(key);
      vectors.insert(vectors.end(), v, v + dim);
    });
    auto rebuilt = create_index(IndexKind::Hnsw, index_->dim(), index_->metric(), index_->storage(),
                                hnsw->params());
    rebuilt->add_batch(keys.size(), keys.data(), vectors.data(), threads);
    index_ = std::move(rebuilt);
    hnsw = static_cast<HnswIndex*>(index_.get());
  }
  hnsw->renumber_for_locality(threads);
}

}  // namespace quiver
