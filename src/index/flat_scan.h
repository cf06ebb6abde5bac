// Exact k-nearest search over the rows of a FLAT index, for one query or a
// batch: the batch is scanned a block of queries at a time, with the block
// kernels (kernels/block.h), so that each row read from memory serves the
// whole block rather than one query.
//
// A batch returns exactly what the same queries searched one by one return:
// every distance has the same bits in a block as alone (block.h), and each
// query's selection sees the rows in row order (ties go to the lower row)
// or, when the rows are split across threads, merges the parts' selections
// by (distance, row).
//
// The caller holds the index's lock (shared) for the whole call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/metric.h"
#include "index/flat_rows.h"
#include "index/metric_distance.h"
#include "index/top_k.h"
#include "index/vector_index.h"

namespace quiver {

class FlatScan {
 public:
  FlatScan(const FlatRows& rows, uint32_t dim, Metric metric, const MetricDistance& distance,
           const KeyFilter& filter)
      : rows_(rows), dim_(dim), metric_(metric), distance_(distance), filter_(filter) {}

  // One prepared query: its k nearest hits, nearest first, appended to out.
  void search(const float* query, size_t k, std::vector<Hit>& out) const;
  // nq queries, checked but not prepared (see VectorIndex::search_batch), on
  // `threads` threads (0 = all cores): blocks of queries split across the
  // threads or, for fewer queries than that takes, the rows.
  void search_batch(size_t nq, const float* queries, size_t k, unsigned threads,
                    const BatchOutput& out) const;

 private:
  // Offers the rows [begin, end) to tops[0..nq), the selections of the nq
  // prepared queries at queries + q * dim.
  void scan(const float* queries, size_t nq, size_t begin, size_t end, TopK<size_t>* tops) const;
  // How many queries to scan together when each keeps up to k hits.
  size_t query_block(size_t k) const;
  void prepare(const float* queries, size_t nq, float* out) const;
  void hits_of(TopK<size_t>& top, std::vector<Hit>& out) const;

  const FlatRows& rows_;
  uint32_t dim_;
  Metric metric_;
  const MetricDistance& distance_;
  const KeyFilter& filter_;
};

}  // namespace quiver
