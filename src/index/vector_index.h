// The C++ interface every index kind implements. Knows nothing of C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/metric.h"
#include "index/index_image.h"
#include "index/vector_storage.h"

namespace quiver {

// A user predicate over keys; nonzero keeps the key. A plain function
// pointer plus context (rather than std::function) keeps it cheap to call on
// the search hot path and lets the C API pass its callback through unchanged.
struct KeyFilter {
  int (*fn)(uint64_t key, void* user) = nullptr;
  void* user = nullptr;
  bool active() const { return fn != nullptr; }
  bool keeps(uint64_t key) const { return fn == nullptr || fn(key, user) != 0; }
};

struct SearchOptions {
  size_t k = 10;
  uint32_t ef = 0;  // 0 = the index default; raised to k when smaller
  // Lossy storage with originals: candidates re-ranked exactly; 0 = all
  // the search found (ef of them); raised to k when smaller.
  size_t rerank = 0;
  KeyFilter filter;
  // Hybrid text search only: the keyword ranking's weight against the
  // meaning ranking's 1.
  double keyword_weight = 1.0;
};

struct Hit {
  float distance;
  uint64_t key;
};

// Where search_batch writes: row q of nq x k keys and distances (distances
// may be null), and found[q].
struct BatchOutput {
  size_t k;
  uint64_t* keys;
  float* distances;
  size_t* found;
  // Writes query q's hits (at most k, nearest first); pads the row with key
  // UINT64_MAX and distance +inf.
  void write(size_t q, const std::vector<Hit>& hits) const;
};

class VectorIndex {
 public:
  VectorIndex(uint32_t dim, Metric metric) : dim_(dim), metric_(metric) {}
  virtual ~VectorIndex() = default;
  VectorIndex(const VectorIndex&) = delete;
  VectorIndex& operator=(const VectorIndex&) = delete;

  uint32_t dim() const { return dim_; }
  virtual StorageOptions storage() const { return {}; }
  // Heap bytes the index holds: vectors, graph, keys (not mapped file pages).
  virtual size_t memory_bytes() const = 0;
  Metric metric() const { return metric_; }

  // Throws Error(InvalidArgument) for NaN/Inf (or a zero vector under
  // cosine), Error(DuplicateKey) when key is live.
  virtual void add(uint64_t key, const float* vector) = 0;
  // All-or-nothing for argument errors: nothing is added if any vector or
  // key is rejected.
  virtual void add_batch(size_t n, const uint64_t* keys, const float* vectors,
                         unsigned threads) = 0;
  // Throws Error(NotFound) when no live vector has this key.
  virtual void remove(uint64_t key) = 0;
  // Adds `vector` under `key`, or replaces the vector `key` has, as one
  // step for searches: a search running alongside finds the key with its
  // old vector or its new one, never both and never neither. Checks as add.
  // The caller excludes other writers of the same key (Collection's key
  // locks); other keys may be written meanwhile.
  virtual void upsert(uint64_t key, const float* vector) = 0;
  virtual size_t size() const = 0;
  // Copies the vector as it was added. Throws Error(NotFound).
  virtual void get(uint64_t key, float* out) const = 0;

  // Calls fn(key, vector as added) for every live vector, in storage order.
  // Must not run concurrently with mutations.
  virtual void for_each_live(const std::function<void(uint64_t, const float*)>& fn) const = 0;

  // Writes the index's sections (header first). The caller excludes
  // mutations for the duration; searches may run.
  virtual void export_image(ImageSink& sink) const = 0;

  // Checks every value this index took from `source`, the image it was
  // imported from: vectors finite, norms positive, links, levels, counts
  // and keys consistent. These are the checks import_index runs on every
  // loaded image, and on a mapped one unless told to defer them (then the
  // caller runs this later: qv_index_verify). One pass over the vectors, on
  // `threads` threads (0 = all cores); the message names the first damaged
  // node or row whatever the threads. Throws Error(Corrupt) naming the
  // section. Reads only: may run alongside searches.
  virtual void validate_image(const ImageSource& source, unsigned threads) const = 0;

  // Appends up to k hits, nearest first, to `out` (cleared first).
  void search(const float* query, const SearchOptions& options, std::vector<Hit>& out) const;
  // nq queries; row i of the outputs at i*k. Unfilled slots get key
  // UINT64_MAX and distance +inf.
  void search_batch(size_t nq, const float* queries, const SearchOptions& options, unsigned threads,
                    uint64_t* keys_out, float* distances_out, size_t* found_out) const;

 protected:
  // `query` is already validated and, under cosine, normalised.
  virtual void search_prepared(const float* query, const SearchOptions& options,
                               std::vector<Hit>& out) const = 0;
  // nq queries, checked but not prepared, on `threads` threads (0 = all
  // cores). This one prepares and searches them one at a time, split across
  // the threads; an index that can share work between queries overrides it.
  virtual void search_checked_batch(size_t nq, const float* queries, const SearchOptions& options,
                                    unsigned threads, const BatchOutput& out) const;

 private:
  uint32_t dim_;
  Metric metric_;
};

}  // namespace quiver
