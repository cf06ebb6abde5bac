#include "flatscan.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "bandwidth.h"
#include "engine.h"
#include "memory.h"
#include "thread_pool.h"

namespace qvb {

namespace {

// Bytes scanned per timed pass: bounds the query count on large bases
// (a 1M x 128 base is 512 MB per query).
constexpr double kSingleBudgetBytes = 2e9;
constexpr double kBatchBudgetBytes = 16e9;

size_t queries_for(double budget, const Dataset& ds) {
  size_t q =
      static_cast<size_t>(budget / static_cast<double>(std::max<size_t>(1, ds.base.bytes())));
  return std::clamp<size_t>(q, std::min<size_t>(10, ds.queries.n), ds.queries.n);
}

bool wanted(const std::vector<std::string>& engines, const char* name) {
  return std::find(engines.begin(), engines.end(), name) != engines.end();
}

}  // namespace

FlatReport measure_flat(const Dataset& ds, const RunConfig& cfg,
                        const std::vector<std::string>& engines, size_t large_buffer_bytes) {
  FlatReport rep;
  const char* dsname = ds.name.c_str();
  const size_t k = cfg.k;
  const double base_bytes = static_cast<double>(ds.base.bytes());

  // Bandwidth yardsticks on the very bytes the scans read, then out of cache.
  {
    ThreadPool one(1), all(cfg.threads);
    auto add = [&](const char* what, const char* buffer, unsigned t, size_t bytes, double gbps) {
      rep.bandwidth.push_back({what, buffer, t, bytes, gbps});
      std::fprintf(stderr, "[%s] bandwidth %-22s %-13s %2uT %8.1f GB/s\n", dsname, what, buffer, t,
                   gbps);
    };
    const size_t count = ds.base.data.size();
    add("memcpy", "base vectors", 1, ds.base.bytes(),
        memcpy_gbps(ds.base.data.data(), ds.base.bytes(), cfg.min_time, cfg.trials));
    add("read (sum of floats)", "base vectors", 1, ds.base.bytes(),
        read_gbps(ds.base.data.data(), count, one, cfg.min_time, cfg.trials));
    add("read (sum of floats)", "base vectors", cfg.threads, ds.base.bytes(),
        read_gbps(ds.base.data.data(), count, all, cfg.min_time, cfg.trials));
    if (large_buffer_bytes > 0) {
      std::vector<float> big(large_buffer_bytes / sizeof(float), 1.0f);
      add("memcpy", "large buffer", 1, big.size() * 4,
          memcpy_gbps(big.data(), big.size() * 4, cfg.min_time, cfg.trials));
      add("read (sum of floats)", "large buffer", 1, big.size() * 4,
          read_gbps(big.data(), big.size(), one, cfg.min_time, cfg.trials));
      add("read (sum of floats)", "large buffer", cfg.threads, big.size() * 4,
          read_gbps(big.data(), big.size(), all, cfg.min_time, cfg.trials));
    }
    release_free_heap();
  }

  struct Maker {
    const char* name;
    std::unique_ptr<Engine> (*make)(const EngineConfig&);
  };
  EngineConfig ecfg = cfg.engine;
  ecfg.dim = ds.base.d;
  for (const Maker& m : {Maker{"quiver", make_quiver_flat}, Maker{"faiss", make_faiss_flat}}) {
    if (!wanted(engines, m.name)) continue;
    std::unique_ptr<Engine> e = m.make(ecfg);
    if (!e) continue;
    try {
      e->build(ds.base.n, ds.base.data.data(), cfg.threads);
      rep.versions.push_back(e->version());
      struct Mode {
        const char* mode;
        unsigned threads;
        size_t nq;
      };
      const size_t nq_single = queries_for(kSingleBudgetBytes, ds),
                   nq_batch = queries_for(kBatchBudgetBytes, ds);
      std::vector<Mode> modes = {{"single", 1, nq_single}, {"batch", 1, nq_batch}};
      if (cfg.threads > 1) modes.push_back({"batch", cfg.threads, nq_batch});
      for (const Mode& mode : modes) {
        std::vector<int64_t> ids(mode.nq * k);
        std::function<void()> pass;
        if (std::string(mode.mode) == "single")
          pass = [&] {
            for (size_t q = 0; q < mode.nq; ++q)
              e->search(ds.queries.row(q), k, 0, ids.data() + q * k);
          };
        else
          pass = [&] {
            e->search_batch(mode.nq, ds.queries.data.data(), k, 0, mode.threads, ids.data());
          };
        double t0 = now_seconds();
        pass();
        double first = now_seconds() - t0;
        FlatPoint p;
        p.engine = m.name;
        p.mode = mode.mode;
        p.threads = mode.threads;
        p.nq = mode.nq;
        p.recall = recall_at_k(ids, mode.nq, k, ds);
        double s = best_seconds_per_pass(pass, first, cfg.min_time, cfg.trials);
        p.qps = static_cast<double>(mode.nq) / s;
        p.gbps = p.qps * base_bytes / 1e9;
        std::fprintf(stderr,
                     "[%s] flat %-7s %-6s %2uT nq=%-5zu %10.1f QPS %8.1f GB/s recall %.4f\n",
                     dsname, m.name, mode.mode, mode.threads, mode.nq, p.qps, p.gbps, p.recall);
        rep.points.push_back(p);
      }
    } catch (const std::exception& ex) {
      rep.errors.push_back(std::string(m.name) + " flat: " + ex.what());
      std::fprintf(stderr, "[%s] flat %s FAILED: %s\n", dsname, m.name, ex.what());
    }
    e.reset();
    release_free_heap();
  }
  return rep;
}

}  // namespace qvb
