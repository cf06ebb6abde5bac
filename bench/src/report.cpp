#include "report.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "interp.h"

namespace qvb {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string qps_str(double q) { return q >= 100 ? fmt("%.0f", q) : fmt("%.1f", q); }
std::string mib(double bytes) { return fmt("%.1f", bytes / (1024.0 * 1024.0)); }

std::string interp_str(const InterpValue& v) {
  if (!v.reached) return "not reached";
  return (v.lower_bound ? "≥ " : "") + qps_str(v.qps);
}

std::string ratio_str(const InterpValue& a, const InterpValue& b) {
  if (!a.reached || !b.reached || b.qps <= 0) return "—";
  return fmt("%.2f", a.qps / b.qps) + (a.lower_bound || b.lower_bound ? "*" : "");
}

const EngineReport* find(const BenchResult& r, const std::string& name) {
  for (const auto& e : r.engines)
    if (e.engine == name && e.error.empty()) return &e;
  return nullptr;
}

}  // namespace

std::string render_markdown(const BenchResult& r) {
  std::ostringstream md;
  const unsigned T = r.cfg.threads;
  const std::string nt = std::to_string(T) + "T";
  md << "## " << r.dataset << " — " << r.sys.date_utc << "\n\n";
  md << "- Data: " << r.description << ". n = " << r.n << ", dim = " << r.dim << ", " << r.nq
     << " queries; recall@" << r.cfg.k << " against ground truth from " << r.gt_source << ".\n";
  md << "- Recall is tie-aware: a returned key counts when its true distance is <= the " << r.cfg.k
     << "-th true distance (x (1 + " << kTieEpsilon
     << ")), so any one of several exact copies is right; without ties it is plain recall.\n";
  if (r.generated) md << "- **Generated data**: not representative of real embeddings.\n";
  md << "- Machine: " << r.sys.cpu_model << ", " << r.sys.logical_cpus << " logical CPUs ("
     << r.sys.simd << "), " << fmt("%.1f", r.sys.mem_total_gib) << " GiB; " << r.sys.kernel
     << "; bench built with " << r.sys.compiler << ". \"" << nt << "\" = " << T << " threads.\n";
  md << "- Load average (1/5/15 min) before: " << r.load_before << ", after: " << r.load_after
     << "; the data set took " << fmt("%.0f", r.wall_seconds) << " s.\n";
  md << "- HNSW: M = " << r.cfg.engine.M << ", ef_construction = " << r.cfg.engine.ef_construction
     << " for all engines. Timings: best of " << r.cfg.trials << ", each ≥ " << r.cfg.min_time
     << " s of repeated passes over all queries. 1T = one query per call on one thread; " << nt
     << " = one batch call on " << T << " threads.\n";
  for (const auto& e : r.engines)
    if (!e.version.empty()) md << "- " << e.version << "\n";
  md << "- OMP_WAIT_POLICY=" << (r.sys.omp_wait_policy.empty() ? "(unset)" : r.sys.omp_wait_policy)
     << " (FAISS' OpenMP next to pthread OpenBLAS; see bench/README.md).\n";
  for (const auto& v : r.flat.versions) md << "- " << v << "\n";
  md << "\n";

  md << "### Build\n\n| engine | build 1T (s) | build " << nt
     << " (s) | speed-up | RSS delta (MiB) | own estimate (MiB) | of which float32 originals "
        "(MiB) | file (MiB) |\n"
     << "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& e : r.engines) {
    const auto& b = e.build;
    md << "| " << e.engine << " | " << (b.seconds_1t >= 0 ? fmt("%.2f", b.seconds_1t) : "—")
       << " | " << (b.seconds_nt >= 0 ? fmt("%.2f", b.seconds_nt) : "—") << " | "
       << (b.seconds_1t > 0 && b.seconds_nt > 0 ? fmt("%.1fx", b.seconds_1t / b.seconds_nt) : "—")
       << " | " << (b.rss_delta_bytes >= 0 ? mib(b.rss_delta_bytes) : "—") << " | "
       << (b.self_bytes ? mib(static_cast<double>(b.self_bytes)) : "n/a") << " | "
       << (b.originals_bytes ? mib(static_cast<double>(b.originals_bytes)) : "—") << " | "
       << (b.file_bytes ? mib(static_cast<double>(b.file_bytes)) : "—") << " |\n";
  }
  md << "\nOwn estimate: Quiver `qv_index_memory_bytes` (heap: codes, originals kept, graph, "
        "keys, metadata; the records in use, not the capacity reserved ahead); hnswlib level-0 "
        "block + upper links + levels + "
        "locks; FAISS stored codes + "
        "neighbour table + offsets + levels. Originals: the float32 vectors a lossy Quiver index "
        "(i8, b1) keeps on the heap for re-ranking once built; after a `QV_OPEN_MMAP` open they "
        "are mapped file pages instead. File: `qv_index_save` to a temporary file (Quiver "
        "only).\n\n";

  md << "### Recall@" << r.cfg.k << " and QPS by ef\n\n| ef |";
  for (const auto& e : r.engines)
    md << " " << e.engine << " R@" << r.cfg.k << " | " << e.engine << " QPS 1T | " << e.engine
       << " QPS " << nt << " |";
  md << "\n|---:|";
  for (size_t i = 0; i < r.engines.size(); ++i) md << "---:|---:|---:|";
  md << "\n";
  for (size_t i = 0; i < r.cfg.efs.size(); ++i) {
    md << "| " << r.cfg.efs[i] << " |";
    for (const auto& e : r.engines) {
      if (i < e.sweep.size())
        md << " " << fmt("%.4f", e.sweep[i].recall_1t) << " | " << qps_str(e.sweep[i].qps_1t)
           << " | " << qps_str(e.sweep[i].qps_nt) << " |";
      else
        md << " — | — | — |";
    }
    md << "\n";
  }
  md << "\n";

  bool any_self = false;
  for (const auto& e : r.engines)
    for (const auto& p : e.sweep) any_self |= p.self_1t.queries > 0;
  if (any_self) {
    size_t nself = 0;
    for (const auto& e : r.engines)
      if (!e.sweep.empty()) nself = e.sweep.front().self_1t.queries;
    md << "### Self-recall by ef (" << nself
       << " queries that are base vectors; 1T)\n\n\"first\": the query's own key, or another "
          "vector at distance 0, is the first result; \"top "
       << r.cfg.k << "\": it is among the " << r.cfg.k << " results.\n\n| ef |";
    for (const auto& e : r.engines)
      md << " " << e.engine << " first | " << e.engine << " top " << r.cfg.k << " |";
    md << "\n|---:|";
    for (size_t i = 0; i < r.engines.size(); ++i) md << "---:|---:|";
    md << "\n";
    for (size_t i = 0; i < r.cfg.efs.size(); ++i) {
      md << "| " << r.cfg.efs[i] << " |";
      for (const auto& e : r.engines) {
        if (i < e.sweep.size() && e.sweep[i].self_1t.queries)
          md << " " << fmt("%.4f", e.sweep[i].self_1t.first) << " | "
             << fmt("%.4f", e.sweep[i].self_1t.in_top_k) << " |";
        else
          md << " — | — |";
      }
      md << "\n";
    }
    md << "\n";
  }

  const EngineReport *q = find(r, "quiver"), *h = find(r, "hnswlib"), *f = find(r, "faiss");
  md << "### QPS at target recall@" << r.cfg.k << " (interpolated)\n\n"
     << "| recall | threads | quiver | hnswlib | faiss | quiver/hnswlib | quiver/faiss |\n"
     << "|---:|---:|---:|---:|---:|---:|---:|\n";
  for (bool mt : {false, true}) {
    for (double t : r.targets) {
      InterpValue vq, vh, vf;
      if (q) vq = qps_at_recall(q->sweep, t, mt);
      if (h) vh = qps_at_recall(h->sweep, t, mt);
      if (f) vf = qps_at_recall(f->sweep, t, mt);
      md << "| " << fmt("%.3f", t) << " | " << (mt ? nt : "1T") << " | "
         << (q ? interp_str(vq) : "—") << " | " << (h ? interp_str(vh) : "—") << " | "
         << (f ? interp_str(vf) : "—") << " | " << ratio_str(vq, vh) << " | " << ratio_str(vq, vf)
         << " |\n";
    }
  }
  md << "\n\"≥\": the smallest ef already exceeds the target (its QPS is shown); \"*\": ratio "
        "involves such a value; "
        "\"not reached\": no ef in the sweep gets there.\n\n";

  if (h && r.engines.size() > 1) {
    auto ratio = [](double a, double b) { return a > 0 && b > 0 ? fmt("%.2f", a / b) : "—"; };
    md << "### Every engine against hnswlib (same run)\n\n"
       << "Ratios engine / hnswlib. \"own\": each engine's own memory figure (see Build; "
          "Quiver's counts the records in use). \"file\": a Quiver index saved "
          "(exactly n rows), against hnswlib's own figure; \"file w/o originals\": the same less "
          "the n x dim float32 originals a lossy index keeps (what stays off the heap when they "
          "are mapped). QPS at target recall@"
       << r.cfg.k
       << " interpolated as above (> 1 = faster than hnswlib); build: time (< 1 = "
          "faster).\n\n"
       << "| engine | own | RSS delta | file | file w/o originals | build 1T | build " << nt;
    for (bool mt : {false, true})
      for (double t : r.targets) md << " | QPS " << (mt ? nt : "1T") << " @" << fmt("%.3f", t);
    md << " |\n|---|---:|---:|---:|---:|---:|---:";
    for (size_t i = 0; i < 2 * r.targets.size(); ++i) md << "|---:";
    md << "|\n";
    const BuildStats& hb = h->build;
    for (const auto& e : r.engines) {
      if (!e.error.empty()) continue;
      const BuildStats& b = e.build;
      const double file = double(b.file_bytes);
      md << "| " << e.engine << " | " << ratio(double(b.self_bytes), double(hb.self_bytes)) << " | "
         << ratio(b.rss_delta_bytes, hb.rss_delta_bytes) << " | "
         << ratio(file, double(hb.self_bytes)) << " | "
         << (b.originals_bytes ? ratio(file - double(b.originals_bytes), double(hb.self_bytes))
                               : "—")
         << " | " << ratio(b.seconds_1t, hb.seconds_1t) << " | "
         << ratio(b.seconds_nt, hb.seconds_nt);
      for (bool mt : {false, true})
        for (double t : r.targets)
          md << " | " << ratio_str(qps_at_recall(e.sweep, t, mt), qps_at_recall(h->sweep, t, mt));
      md << " |\n";
    }
    md << "\n";
  }

  if (r.flat_ran) {
    md << "### Flat (exact) scan\n\n"
       << "| engine | mode | threads | queries/pass | QPS | GB/s scanned | recall@" << r.cfg.k
       << " |\n"
       << "|---|---|---:|---:|---:|---:|---:|\n";
    for (const auto& p : r.flat.points)
      md << "| " << p.engine << " | " << p.mode << " | " << p.threads << " | " << p.nq << " | "
         << qps_str(p.qps) << " | " << fmt("%.1f", p.gbps) << " | " << fmt("%.4f", p.recall)
         << " |\n";
    md << "\n| bandwidth baseline | buffer | threads | MB | GB/s |\n|---|---|---:|---:|---:|\n";
    for (const auto& b : r.flat.bandwidth)
      md << "| " << b.what << " | " << b.buffer << " | " << b.threads << " | "
         << fmt("%.1f", b.bytes / 1e6) << " | " << fmt("%.1f", b.gbps) << " |\n";
    md << "\nGB/s scanned = queries x base bytes / time. FAISS IndexFlatL2 answers batches of >= "
          "20 queries "
          "with a BLAS GEMM, which reuses each vector across queries, so its batch figure can "
          "exceed the "
          "read bandwidth. \"base vectors\" bandwidth is measured on the data set itself (in cache "
          "when "
          "small), \"large buffer\" out of cache.\n\n";
  }

  bool any_error = !r.flat.errors.empty();
  for (const auto& e : r.engines) any_error |= !e.error.empty();
  if (any_error) {
    md << "### Errors\n\n";
    for (const auto& e : r.engines)
      if (!e.error.empty()) md << "- " << e.engine << ": " << e.error << "\n";
    for (const auto& e : r.flat.errors) md << "- " << e << "\n";
    md << "\n";
  }
  return md.str();
}

void write_csv(const BenchResult& r, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << "dataset,n,dim,nq,section,engine,mode,threads,ef,recall,qps,value,unit\n";
  auto row = [&](const std::string& section, const std::string& engine, const std::string& mode,
                 unsigned threads, const std::string& ef, const std::string& recall,
                 const std::string& qps, const std::string& value, const std::string& unit) {
    out << r.dataset << ',' << r.n << ',' << r.dim << ',' << r.nq << ',' << section << ',' << engine
        << ',' << mode << ',' << threads << ',' << ef << ',' << recall << ',' << qps << ',' << value
        << ',' << unit << '\n';
  };
  const unsigned T = r.cfg.threads;
  for (const auto& e : r.engines) {
    const auto& b = e.build;
    if (b.seconds_1t >= 0)
      row("build", e.engine, "build", 1, "", "", "", fmt("%.4f", b.seconds_1t), "s");
    if (b.seconds_nt >= 0)
      row("build", e.engine, "build", T, "", "", "", fmt("%.4f", b.seconds_nt), "s");
    if (b.rss_delta_bytes >= 0)
      row("memory", e.engine, "rss_delta", T, "", "", "", mib(b.rss_delta_bytes), "MiB");
    if (b.self_bytes)
      row("memory", e.engine, "own_estimate", T, "", "", "", mib(double(b.self_bytes)), "MiB");
    if (b.originals_bytes)
      row("memory", e.engine, "originals_in_heap", T, "", "", "", mib(double(b.originals_bytes)),
          "MiB");
    if (b.file_bytes)
      row("memory", e.engine, "file", T, "", "", "", mib(double(b.file_bytes)), "MiB");
    for (const auto& p : e.sweep) {
      row("sweep", e.engine, "single", 1, std::to_string(p.ef), fmt("%.5f", p.recall_1t),
          fmt("%.1f", p.qps_1t), "", "");
      row("sweep", e.engine, "batch", T, std::to_string(p.ef), fmt("%.5f", p.recall_nt),
          fmt("%.1f", p.qps_nt), "", "");
      if (p.self_1t.queries) {
        row("self", e.engine, "single_first", 1, std::to_string(p.ef), fmt("%.5f", p.self_1t.first),
            "", "", "");
        row("self", e.engine, "single_top_k", 1, std::to_string(p.ef),
            fmt("%.5f", p.self_1t.in_top_k), "", "", "");
        row("self", e.engine, "batch_first", T, std::to_string(p.ef), fmt("%.5f", p.self_nt.first),
            "", "", "");
        row("self", e.engine, "batch_top_k", T, std::to_string(p.ef),
            fmt("%.5f", p.self_nt.in_top_k), "", "", "");
      }
    }
    for (bool mt : {false, true})
      for (double t : r.targets) {
        InterpValue v = qps_at_recall(e.sweep, t, mt);
        row("interp", e.engine, mt ? "batch" : "single", mt ? T : 1, "", fmt("%.3f", t),
            v.reached ? fmt("%.1f", v.qps) : "",
            v.lower_bound ? "lower_bound" : (v.reached ? "" : "not_reached"), "");
      }
  }
  for (const auto& p : r.flat.points)
    row("flat", p.engine, p.mode, p.threads, "", fmt("%.5f", p.recall), fmt("%.1f", p.qps),
        fmt("%.2f", p.gbps), "GB/s");
  for (const auto& b : r.flat.bandwidth)
    row("bandwidth", "baseline", b.what + " / " + b.buffer, b.threads, "", "", "",
        fmt("%.2f", b.gbps), "GB/s");
}

}  // namespace qvb
