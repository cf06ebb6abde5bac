// The measurement loop for the approximate (HNSW) engines: each engine is
// built twice (one thread, then all threads, with the RSS delta around the
// second build) and the all-threads index is kept; then for each ef, recall@k
// and QPS one query at a time on one thread and as one batch on all threads.
// The timings of the engines are interleaved (each trial round times every
// engine in turn), so that a busy neighbour on a shared machine slows all of
// them alike instead of whichever engine happened to run at the time.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common.h"
#include "engine.h"
#include "recall.h"

namespace qvb {

struct RunConfig {
  unsigned threads = 1;     // "all threads"
  size_t k = 10;            // recall@k
  std::vector<size_t> efs;  // ef sweep
  double min_time = 0.2;    // each timing repeats passes until it lasts this long
  int trials = 3;           // ... and the best of this many timings counts
  bool build_single_thread = true;
  EngineConfig engine;  // M, ef_construction, seed (dim set per data set)
};

struct BuildStats {
  double seconds_1t = -1;       // build on one thread (-1: not measured)
  double seconds_nt = -1;       // build on all threads
  double rss_delta_bytes = -1;  // RSS after - before the all-threads build
  size_t self_bytes = 0;        // the engine's own estimate, 0 = none (Quiver:
                                // qv_index_memory_bytes)
  size_t originals_bytes = 0;   // of self_bytes: float32 originals kept for re-ranking
  size_t file_bytes = 0;        // the index saved as a file (Quiver), 0 = not saved
};

struct SweepPoint {
  size_t ef = 0;
  double recall_1t = 0, qps_1t = 0;  // one query per call, one thread (tie-aware recall)
  double recall_nt = 0, qps_nt = 0;  // batch on all threads
  SelfRecall self_1t, self_nt;       // queries that are base rows (none: queries == 0)
};

struct EngineReport {
  std::string engine;   // "quiver", ...
  std::string version;  // Engine::version()
  BuildStats build;
  std::vector<SweepPoint> sweep;
  std::string error;  // non-empty if the engine failed (the rest may be partial)
};

using EngineFactory = std::function<std::unique_ptr<Engine>()>;

struct NamedFactory {
  std::string name;
  EngineFactory make;
};

// How many calls of pass() make one timing last >= min_time, starting from
// `first_seconds` (a warm-up call the caller already made) and growing until
// a timing does. *seconds_per_pass gets that last timing per call.
size_t calibrate_reps(const std::function<void()>& pass, double first_seconds, double min_time,
                      double* seconds_per_pass);

// Seconds per call over `reps` calls of pass().
double seconds_per_pass(const std::function<void()>& pass, size_t reps);

// calibrate_reps, then the best of `trials` timings (the calibration counts as
// the first), in seconds per call.
double best_seconds_per_pass(const std::function<void()>& pass, double first_seconds,
                             double min_time, int trials);

// Builds every engine, then sweeps ef with interleaved timings. One report
// per factory, in order; a failing engine gets its error and leaves the rest.
std::vector<EngineReport> measure_ann_engines(const std::vector<NamedFactory>& engines,
                                              const Dataset& ds, const RunConfig& cfg);

}  // namespace qvb
