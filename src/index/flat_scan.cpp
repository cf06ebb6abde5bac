#include "index/flat_scan.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "core/parallel.h"
#include "index/vector_checks.h"

namespace quiver {

namespace {

// A block of queries is scanned together while it stays in L2 (most CPUs
// have 1 MiB or more per core; rows stream past it); at most this many.
constexpr size_t kQueryBlockBytes = size_t(256) << 10;
constexpr size_t kMaxBlockQueries = 256;
// Selections of a block hold at most this many hits (16 bytes each) in all,
// so a large k takes smaller blocks rather than more memory.
constexpr size_t kMaxHeldHits = size_t(1) << 20;
// Distances are computed a tile of rows at a time, nq x tile floats, then
// selected. Large tiles (256 KiB of distances, in L2 with the queries) pay:
// at 9000 x 784, 80 queries, 1 thread, 16 KiB tiles ran at 70% of the speed
// of these. One query keeps the tile of the one-query scan (on the stack).
constexpr size_t kTileFloats = size_t(64) << 10;
constexpr size_t kMaxTileRows = 4096;
constexpr size_t kOneQueryTileRows = 256;
// Rows are split across threads only in parts of at least this many bytes,
// and only for fewer queries than this per thread.
constexpr size_t kMinPartBytes = size_t(1) << 20;
constexpr size_t kMinQueriesPerThread = 16;

}  // namespace

void FlatScan::scan(const float* queries, size_t nq, size_t begin, size_t end,
                    TopK<size_t>* tops) const {
  const size_t d = dim_;
  const size_t tile =
      nq == 1 ? kOneQueryTileRows : std::clamp<size_t>(kTileFloats / nq, 1, kMaxTileRows);
  float stack_buffer[kOneQueryTileRows];
  std::vector<float> heap_buffer;
  float* dist = stack_buffer;
  if (nq * tile > kOneQueryTileRows) {
    heap_buffer.resize(nq * tile);
    dist = heap_buffer.data();
  }
  rows_.for_each_run([&](const FlatRows::Run& run) {
    const size_t lo = std::max(begin, run.first), hi = std::min(end, run.first + run.count);
    for (size_t first = lo; first < hi; first += tile) {
      const size_t count = std::min(tile, hi - first), at = first - run.first;
      distance_.block(queries, nq, run.rows + at * d, count, d, dist);
      const uint64_t* keys = run.keys + at;
      for (size_t q = 0; q < nq; ++q) {
        TopK<size_t>& top = tops[q];
        const float* row_dist = dist + q * count;
        float threshold = top.threshold();
        for (size_t i = 0; i < count; ++i) {
          if (row_dist[i] < threshold && filter_.keeps(keys[i])) {
            top.push(row_dist[i], first + i);
            threshold = top.threshold();
          }
        }
      }
    }
  });
}

size_t FlatScan::query_block(size_t k) const {
  const size_t by_cache = kQueryBlockBytes / (size_t(dim_) * sizeof(float));
  const size_t held = std::max<size_t>(1, std::min(k, rows_.size()));
  return std::clamp<size_t>(std::min(by_cache, kMaxHeldHits / held), 1, kMaxBlockQueries);
}

void FlatScan::prepare(const float* queries, size_t nq, float* out) const {
  for (size_t q = 0; q < nq; ++q)
    prepare_query(queries + q * dim_, dim_, metric_, out + q * dim_, "query");
}

void FlatScan::hits_of(TopK<size_t>& top, std::vector<Hit>& out) const {
  for (const auto& [distance, row] : top.sorted()) out.push_back(Hit{distance, rows_.key(row)});
}

void FlatScan::search(const float* query, size_t k, std::vector<Hit>& out) const {
  TopK<size_t> top;
  top.reset(k);
  scan(query, 1, 0, rows_.size(), &top);
  hits_of(top, out);
}

void FlatScan::search_batch(size_t nq, const float* queries, size_t k, unsigned threads,
                            const BatchOutput& out) const {
  if (nq == 0) return;
  const size_t n = rows_.size(), d = dim_, block = query_block(k);
  const unsigned t = resolve_threads(threads, std::numeric_limits<size_t>::max());
  const size_t min_part_rows = std::max<size_t>(1, kMinPartBytes / (d * sizeof(float)));
  const size_t parts = std::min<size_t>(t, n / min_part_rows);

  if (parts > 1 && nq <= block && nq < t * kMinQueriesPerThread) {
    // Few queries: every thread scans its part of the rows for all of them,
    // then each query takes the k smallest (distance, row) of the parts,
    // which is what one scan in row order keeps.
    std::vector<float> prepared(nq * d);
    prepare(queries, nq, prepared.data());
    std::vector<std::vector<TopK<size_t>>> tops(parts, std::vector<TopK<size_t>>(nq));
    parallel_for(parts, unsigned(parts), 1, [&](size_t begin, size_t end) {
      for (size_t p = begin; p < end; ++p) {
        for (TopK<size_t>& top : tops[p]) top.reset(k);
        scan(prepared.data(), nq, n * p / parts, n * (p + 1) / parts, tops[p].data());
      }
    });
    std::vector<std::pair<float, size_t>> merged;
    std::vector<Hit> hits;
    for (size_t q = 0; q < nq; ++q) {
      merged.clear();
      for (size_t p = 0; p < parts; ++p) {
        const auto& part = tops[p][q].sorted();
        merged.insert(merged.end(), part.begin(), part.end());
      }
      const size_t keep = std::min(k, merged.size());
      std::partial_sort(merged.begin(), merged.begin() + keep, merged.end());
      hits.clear();
      for (size_t i = 0; i < keep; ++i)
        hits.push_back(Hit{merged[i].first, rows_.key(merged[i].second)});
      out.write(q, hits);
    }
    return;
  }

  // Blocks of queries, as many blocks as a multiple of the threads so that
  // they share the work evenly.
  const size_t blocks = (nq + block - 1) / block;
  const size_t even_blocks = (blocks + t - 1) / t * t;
  const size_t per_block = (nq + even_blocks - 1) / even_blocks;
  parallel_for(nq, t, per_block, [&](size_t begin, size_t end) {
    // One thread may be handed every block at once.
    std::vector<float> prepared;
    std::vector<TopK<size_t>> tops;
    std::vector<Hit> hits;
    for (size_t first = begin; first < end; first += per_block) {
      const size_t count = std::min(per_block, end - first);
      prepared.resize(count * d);
      prepare(queries + first * d, count, prepared.data());
      tops.resize(count);
      for (TopK<size_t>& top : tops) top.reset(k);
      scan(prepared.data(), count, 0, n, tops.data());
      for (size_t i = 0; i < count; ++i) {
        hits.clear();
        hits_of(tops[i], hits);
        out.write(first + i, hits);
      }
    }
  });
}

}  // namespace quiver
