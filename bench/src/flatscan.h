// Exact (flat) search throughput: Quiver QV_INDEX_FLAT against FAISS
// IndexFlatL2 on the same data, as GB/s of vectors scanned, next to memcpy
// and streaming-read bandwidth measured in the same run.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common.h"
#include "measure.h"

namespace qvb {

struct FlatPoint {
  std::string engine;  // "quiver", "faiss"
  std::string mode;    // "single" (one query per call), "batch"
  unsigned threads = 1;
  size_t nq = 0;  // queries per timed pass
  double qps = 0;
  double gbps = 0;    // nq * base bytes / time
  double recall = 0;  // recall@k: should be 1 up to distance ties
};

struct BandwidthPoint {
  std::string what;    // "memcpy", "read (sum of floats)"
  std::string buffer;  // "base vectors" or "large buffer"
  unsigned threads = 1;
  size_t bytes = 0;
  double gbps = 0;
};

struct FlatReport {
  std::vector<FlatPoint> points;
  std::vector<BandwidthPoint> bandwidth;
  std::vector<std::string> versions;
  std::vector<std::string> errors;
};

// large_buffer_bytes: size of the extra out-of-cache bandwidth buffer (0 = skip).
FlatReport measure_flat(const Dataset& ds, const RunConfig& cfg,
                        const std::vector<std::string>& engines, size_t large_buffer_bytes);

}  // namespace qvb
