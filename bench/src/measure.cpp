#include "measure.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <string>

#include "memory.h"

namespace qvb {

double seconds_per_pass(const std::function<void()>& pass, size_t reps) {
  double t0 = now_seconds();
  for (size_t r = 0; r < reps; ++r) pass();
  return (now_seconds() - t0) / static_cast<double>(reps);
}

size_t calibrate_reps(const std::function<void()>& pass, double first_seconds, double min_time,
                      double* per_pass) {
  // The warm-up call may have been slow (first touch, thread start), so the
  // count grows until a timing really lasts min_time.
  size_t reps = static_cast<size_t>(std::ceil(min_time / std::max(first_seconds, 1e-7)));
  reps = std::clamp<size_t>(reps, 1, 1000000);
  double s = seconds_per_pass(pass, reps);
  while (s * static_cast<double>(reps) < min_time && reps < 100000000) {
    double total = std::max(s * static_cast<double>(reps), 1e-9);
    reps = std::max(reps * 2, static_cast<size_t>(std::ceil(reps * 1.2 * min_time / total)));
    s = seconds_per_pass(pass, reps);
  }
  *per_pass = s;
  return reps;
}

double best_seconds_per_pass(const std::function<void()>& pass, double first_seconds,
                             double min_time, int trials) {
  double best = 0;
  size_t reps = calibrate_reps(pass, first_seconds, min_time, &best);
  for (int i = 1; i < trials; ++i) best = std::min(best, seconds_per_pass(pass, reps));
  return best;
}

namespace {

struct Contender {
  EngineReport rep;
  std::unique_ptr<Engine> engine;
  std::vector<int64_t> ids;
  // Per ef: repeat counts and best seconds per pass, single and batch.
  size_t reps_1t = 0, reps_nt = 0;
  double best_1t = 0, best_nt = 0;
};

void fail(Contender& c, const char* dsname, const std::exception& e) {
  c.rep.error = e.what();
  c.engine.reset();
  release_free_heap();
  std::fprintf(stderr, "[%s] %s FAILED: %s\n", dsname, c.rep.engine.c_str(), e.what());
}

void build(Contender& c, const NamedFactory& f, const Dataset& ds, const RunConfig& cfg) {
  const char* dsname = ds.name.c_str();
  const size_t n = ds.base.n;
  if (cfg.build_single_thread && cfg.threads > 1) {
    std::unique_ptr<Engine> once = f.make();
    std::fprintf(stderr, "[%s] %s: build on 1 thread ...\n", dsname, c.rep.engine.c_str());
    double t0 = now_seconds();
    once->build(n, ds.base.data.data(), 1);
    c.rep.build.seconds_1t = now_seconds() - t0;
  }
  release_free_heap();
  c.engine = f.make();
  c.rep.version = c.engine->version();
  std::fprintf(stderr, "[%s] %s: build on %u threads ...\n", dsname, c.rep.engine.c_str(),
               cfg.threads);
  size_t rss0 = current_rss_bytes();
  double t0 = now_seconds();
  c.engine->build(n, ds.base.data.data(), cfg.threads);
  c.rep.build.seconds_nt = now_seconds() - t0;
  size_t rss1 = current_rss_bytes();
  if (cfg.threads == 1) c.rep.build.seconds_1t = c.rep.build.seconds_nt;
  c.rep.build.rss_delta_bytes = static_cast<double>(rss1) - static_cast<double>(rss0);
  c.rep.build.self_bytes = c.engine->self_reported_bytes();
  c.rep.build.originals_bytes = c.engine->originals_bytes();
  c.rep.build.file_bytes = c.engine->file_bytes();  // after the timings above
  const auto& b = c.rep.build;
  std::string st =
      b.seconds_1t >= 0 ? std::to_string(b.seconds_1t).substr(0, 6) + " s" : "not measured";
  std::fprintf(stderr, "[%s] %s: build 1T %s, %uT %.2f s, RSS %+.1f MiB\n", dsname,
               c.rep.engine.c_str(), st.c_str(), cfg.threads, b.seconds_nt,
               b.rss_delta_bytes / (1024.0 * 1024.0));
}

}  // namespace

std::vector<EngineReport> measure_ann_engines(const std::vector<NamedFactory>& engines,
                                              const Dataset& ds, const RunConfig& cfg) {
  const size_t nq = ds.queries.n, k = cfg.k;
  const char* dsname = ds.name.c_str();
  std::vector<Contender> all(engines.size());
  for (size_t i = 0; i < engines.size(); ++i) {
    all[i].rep.engine = engines[i].name;
    try {
      build(all[i], engines[i], ds, cfg);
      all[i].ids.resize(nq * k);
    } catch (const std::exception& e) {
      fail(all[i], dsname, e);
    }
  }

  for (size_t ef : cfg.efs) {
    auto single = [&](Contender& c) {
      return std::function<void()>([&c, &ds, nq, k, ef] {
        for (size_t q = 0; q < nq; ++q)
          c.engine->search(ds.queries.row(q), k, ef, c.ids.data() + q * k);
      });
    };
    auto batch = [&](Contender& c) {
      return std::function<void()>([&c, &ds, &cfg, nq, k, ef] {
        c.engine->search_batch(nq, ds.queries.data.data(), k, ef, cfg.threads, c.ids.data());
      });
    };
    std::vector<SweepPoint> points(all.size());
    // Warm-up pass (gives recall) and calibration, engine by engine.
    for (size_t i = 0; i < all.size(); ++i) {
      Contender& c = all[i];
      if (!c.engine) continue;
      try {
        points[i].ef = ef;
        auto s = single(c), b = batch(c);
        double t0 = now_seconds();
        s();
        double first = now_seconds() - t0;
        points[i].recall_1t = recall_at_k(c.ids, nq, k, ds);
        points[i].self_1t = self_recall(c.ids, nq, k, ds);
        c.reps_1t = calibrate_reps(s, first, cfg.min_time, &c.best_1t);
        t0 = now_seconds();
        b();
        first = now_seconds() - t0;
        points[i].recall_nt = recall_at_k(c.ids, nq, k, ds);
        points[i].self_nt = self_recall(c.ids, nq, k, ds);
        c.reps_nt = calibrate_reps(b, first, cfg.min_time, &c.best_nt);
      } catch (const std::exception& e) {
        fail(c, dsname, e);
      }
    }
    // The remaining trials, round-robin over the engines.
    for (int t = 1; t < cfg.trials; ++t) {
      for (Contender& c : all) {
        if (!c.engine) continue;
        try {
          c.best_1t = std::min(c.best_1t, seconds_per_pass(single(c), c.reps_1t));
          c.best_nt = std::min(c.best_nt, seconds_per_pass(batch(c), c.reps_nt));
        } catch (const std::exception& e) {
          fail(c, dsname, e);
        }
      }
    }
    for (size_t i = 0; i < all.size(); ++i) {
      Contender& c = all[i];
      if (!c.engine) continue;
      points[i].qps_1t = static_cast<double>(nq) / c.best_1t;
      points[i].qps_nt = static_cast<double>(nq) / c.best_nt;
      c.rep.sweep.push_back(points[i]);
      std::fprintf(stderr, "[%s] %-10s ef=%-4zu recall@%zu %.4f  1T %10.0f QPS  %uT %10.0f QPS",
                   dsname, c.rep.engine.c_str(), ef, k, points[i].recall_1t, points[i].qps_1t,
                   cfg.threads, points[i].qps_nt);
      if (points[i].self_1t.queries)
        std::fprintf(stderr, "  self first %.4f in top %zu %.4f", points[i].self_1t.first, k,
                     points[i].self_1t.in_top_k);
      std::fprintf(stderr, "\n");
    }
  }

  std::vector<EngineReport> out;
  for (Contender& c : all) {
    c.engine.reset();
    out.push_back(std::move(c.rep));
  }
  release_free_heap();
  return out;
}

}  // namespace qvb
