#include "index/vector_index.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/parallel.h"
#include "index/vector_checks.h"

namespace quiver {

void VectorIndex::search(const float* query, const SearchOptions& options,
                         std::vector<Hit>& out) const {
  if (options.k == 0) fail(Status::InvalidArgument, "k must be at least 1");
  // A local buffer (on the stack for common sizes), not a thread_local one:
  // a filter callback may run a search of its own on this thread.
  constexpr size_t kStackFloats = 1024;
  float stack_buffer[kStackFloats];
  std::vector<float> heap_buffer;
  float* prepared = stack_buffer;
  if (dim_ > kStackFloats) {
    heap_buffer.resize(dim_);
    prepared = heap_buffer.data();
  }
  prepare_query(query, dim_, metric_, prepared, "the query");
  out.clear();
  search_prepared(prepared, options, out);
}

void VectorIndex::search_batch(size_t nq, const float* queries, const SearchOptions& options,
                               unsigned threads, uint64_t* keys_out, float* distances_out,
                               size_t* found_out) const {
  if (options.k == 0) fail(Status::InvalidArgument, "k must be at least 1");
  // Validate every query up front so a bad one fails the call before any work.
  for (size_t q = 0; q < nq; ++q)
    check_vector(queries + q * dim_, dim_, metric_, VectorUse::Query,
                 ("query " + std::to_string(q)).c_str());
  search_checked_batch(nq, queries, options, threads,
                       BatchOutput{options.k, keys_out, distances_out, found_out});
}

void VectorIndex::search_checked_batch(size_t nq, const float* queries,
                                       const SearchOptions& options, unsigned threads,
                                       const BatchOutput& out) const {
  parallel_for(nq, threads, 16, [&](size_t begin, size_t end) {
    std::vector<Hit> hits;
    std::vector<float> prepared(dim_);
    for (size_t q = begin; q < end; ++q) {
      prepare_query(queries + q * dim_, dim_, metric_, prepared.data(), "query");
      hits.clear();
      search_prepared(prepared.data(), options, hits);
      out.write(q, hits);
    }
  });
}

void BatchOutput::write(size_t q, const std::vector<Hit>& hits) const {
  const size_t n = std::min(hits.size(), k);
  found[q] = n;
  for (size_t i = 0; i < k; ++i) {
    const bool have = i < n;
    keys[q * k + i] = have ? hits[i].key : std::numeric_limits<uint64_t>::max();
    if (distances)
      distances[q * k + i] = have ? hits[i].distance : std::numeric_limits<float>::infinity();
  }
}

}  // namespace quiver
