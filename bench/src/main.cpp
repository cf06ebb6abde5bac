// quiver_bench: runs every requested data set through Quiver, hnswlib and
// FAISS in this one process and writes bench/results/<dataset>-<time>.{md,csv,png}.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include "datasets.h"
#include "engine.h"
#include "flatscan.h"
#include "measure.h"
#include "options.h"
#include "plot.h"
#include "report.h"
#include "sysinfo.h"
#include "thread_pool.h"

namespace fs = std::filesystem;
using namespace qvb;

namespace {

constexpr size_t kQuickGeneratedN = 20000;
constexpr size_t kAutoSingleThreadBuildMaxN = 200000;

NamedFactory factory_for(const std::string& engine, const EngineConfig& cfg) {
  if (engine == "hnswlib") return {engine, [cfg] { return make_hnswlib_hnsw(cfg); }};
  if (engine == "faiss-sq8") return {engine, [cfg] { return make_faiss_hnsw_sq8(cfg); }};
  return {engine, [cfg] { return make_faiss_hnsw(cfg); }};
}

NamedFactory quiver_factory(const std::string& storage, const EngineConfig& cfg) {
  return {quiver_engine_name(storage), [cfg, storage] { return make_quiver_hnsw(cfg, storage); }};
}

}  // namespace

int main(int argc, char** argv) {
  // Debian's FAISS uses the pthread build of OpenBLAS next to its own OpenMP
  // loops. With libgomp's default spin-waiting, idle OpenMP threads and
  // OpenBLAS threads fight for the cores: IndexFlatL2 batches ran >10x slower
  // on all threads than on one. libgomp reads OMP_WAIT_POLICY only at load,
  // so when it is unset the bench sets PASSIVE and re-executes itself once.
  // Set OMP_WAIT_POLICY yourself to override; the report prints the value.
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: carry on as is
  }
  Options opt = parse_options(argc, argv);
  const unsigned threads = opt.threads ? opt.threads : hardware_threads();
  const std::string data_dir = resolve_data_dir(opt.data_dir);
  SystemInfo sys = collect_system_info();

  std::fprintf(stderr, "quiver_bench: %s, %u logical CPUs, using %u threads; data: %s; out: %s\n",
               sys.cpu_model.c_str(), sys.logical_cpus, threads,
               data_dir.empty() ? "(none)" : data_dir.c_str(), opt.out_dir.c_str());
  if (!quiver_available())
    std::fprintf(
        stderr,
        "quiver_bench: built WITHOUT Quiver (no `quiver` target): only hnswlib and FAISS run\n");

  std::error_code ec;
  fs::create_directories(opt.out_dir, ec);
  if (ec) {
    std::fprintf(stderr, "cannot create %s: %s\n", opt.out_dir.c_str(), ec.message().c_str());
    return 2;
  }

  int failures = 0;
  for (const std::string& name : opt.datasets) {
    const double t_start = now_seconds();
    const std::string load_before = load_average();
    DatasetRequest req;
    req.name = name;
    req.data_dir = data_dir;
    req.n = opt.n;
    if (opt.quick && req.n == 0 &&
        (name == "random" || name == "gaussian" || name == "gaussian-unit" || name == "dupes"))
      req.n = kQuickGeneratedN;
    req.dim = opt.dim;
    req.nq = opt.nq;
    req.k = opt.k;
    req.threads = threads;
    req.seed = opt.seed;
    req.self_queries = opt.self_queries;
    req.dup.copies = opt.dup_copies;
    req.dup.sources = opt.dup_sources;
    req.dup.noise = static_cast<float>(opt.dup_noise);

    Dataset ds;
    std::string why;
    try {
      if (!load_dataset(req, &ds, &why)) {
        std::fprintf(stderr, "[%s] SKIPPED: %s\n", name.c_str(), why.c_str());
        continue;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[%s] FAILED to load: %s\n", name.c_str(), e.what());
      ++failures;
      continue;
    }
    std::fprintf(stderr, "[%s] %zu base x %zu dims, %zu queries\n", ds.name.c_str(), ds.base.n,
                 ds.base.d, ds.queries.n);

    RunConfig cfg;
    cfg.threads = threads;
    cfg.k = opt.k;
    cfg.efs = opt.efs;
    cfg.min_time = opt.min_time;
    cfg.trials = opt.trials;
    cfg.build_single_thread =
        opt.st_build == "on" || (opt.st_build == "auto" && ds.base.n <= kAutoSingleThreadBuildMaxN);
    cfg.engine.dim = ds.base.d;
    cfg.engine.M = opt.M;
    cfg.engine.ef_construction = opt.ef_construction;
    cfg.engine.seed = opt.seed;
    cfg.engine.rerank = opt.rerank;
    cfg.engine.unit_rows = ds.unit_rows;

    BenchResult res;
    res.dataset = ds.name;
    res.description = ds.description;
    res.gt_source = ds.gt_source;
    res.generated = ds.generated;
    res.n = ds.base.n;
    res.dim = ds.base.d;
    res.nq = ds.queries.n;
    res.cfg = cfg;
    res.sys = sys;
    const std::string stamp = file_timestamp();
    res.sys.date_utc = collect_system_info().date_utc;

    std::vector<NamedFactory> factories;
    for (const std::string& engine : {std::string("quiver"), std::string("hnswlib"),
                                      std::string("faiss"), std::string("faiss-sq8")}) {
      if (std::find(opt.engines.begin(), opt.engines.end(), engine) == opt.engines.end()) continue;
      if (engine != "quiver") {
        factories.push_back(factory_for(engine, cfg.engine));
        continue;
      }
      if (!quiver_available()) continue;
      for (const std::string& storage : opt.storages) {
        // Every data set here is measured under L2 (the ground truth is L2);
        // 1-bit codes are for cosine and inner product only, so they run
        // (under cosine) where the rows have length 1 and the rankings agree.
        if (storage.starts_with("b1") && !ds.unit_rows) {
          std::fprintf(stderr,
                       "[%s] quiver-b1 skipped: b1 storage is for cosine/IP data; this set is "
                       "measured under L2 (gaussian-unit has rows of length 1)\n",
                       ds.name.c_str());
          continue;
        }
        factories.push_back(quiver_factory(storage, cfg.engine));
      }
    }
    res.engines = measure_ann_engines(factories, ds, cfg);
    for (const auto& rep : res.engines)
      if (!rep.error.empty()) ++failures;
    if (opt.flat) {
      res.flat = measure_flat(ds, cfg, opt.engines, opt.bw_mib << 20);
      res.flat_ran = true;
      failures += static_cast<int>(res.flat.errors.size());
    }

    res.load_before = load_before;
    res.load_after = load_average();
    res.wall_seconds = now_seconds() - t_start;
    const fs::path stem = fs::path(opt.out_dir) / (ds.name + "-" + stamp);
    const std::string md = render_markdown(res);
    std::cout << md << std::flush;
    std::ofstream(stem.string() + ".md") << md;
    try {
      write_csv(res, stem.string() + ".csv");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "[%s] %s\n", name.c_str(), e.what());
      ++failures;
    }
    std::string msg = "plot skipped (--no-plot)";
    if (opt.plot) plot_recall_qps(res, stem.string() + ".gp", stem.string() + ".png", &msg);
    std::fprintf(stderr, "[%s] wrote %s.md, .csv; %s\n", name.c_str(), stem.string().c_str(),
                 msg.c_str());
  }
  return failures ? 1 : 0;
}
