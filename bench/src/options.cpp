#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "datasets.h"

#ifndef QVB_DEFAULT_OUT_DIR
#define QVB_DEFAULT_OUT_DIR "bench/results"
#endif

namespace qvb {

namespace {

[[noreturn]] void usage(int code) {
  std::fprintf(code ? stderr : stdout,
               R"(quiver_bench: Quiver (C API) vs hnswlib vs FAISS on the same data, same process.

  --dataset NAME     siftsmall | bigann10k | mnist | random | gaussian |
                     gaussian-unit (rows of length 1: b1 runs, under cosine) | dupes,
                     or 'real' (the three real sets) or 'all' (all seven).
                     Repeatable and/or comma-separated. Default: real.
  --data DIR         folder with siftsmall/ bigann10k/ mnist/
                     (default: <project>/../shared/data, else ../shared/data)
  --n N              base vectors (real sets: cut to the first N, ground truth
                     recomputed; generated: default 100000, 20000 with --quick)
  --dim D            dimension of generated sets (default 128)
  --nq Q             queries for mnist and generated sets (default 1000)
  --threads T        "all threads" figure (default: all hardware threads)
  --ef LIST          ef sweep, e.g. 10,16,32,64 (default
                     10,16,24,32,48,64,96,128,192,256,384,512)
  --quick            short sweep (16,32,64,128,256,512), smaller generated sets
  --engines LIST     subset of quiver,hnswlib,faiss,faiss-sq8 (default:
                     quiver,hnswlib,faiss; faiss-sq8 = IndexHNSWSQ, 8-bit)
  --storage LIST     Quiver storage types, each its own engine: f32 (quiver),
                     f16 (quiver-f16), i8 (quiver-i8), b1 (quiver-b1; cosine/IP
                     only, so skipped on this bench's L2 data); each may end
                     in +bfs (e.g. f32+bfs: quiver-bfs), the index then
                     renumbered by qv_index_compact after its build (build
                     time includes it). Default: f32
  --rerank N         Quiver i8/b1: candidates re-ranked on the float32
                     originals (default 0 = all ef of them)
  --M M              HNSW M (default 16)
  --ef-construction E  (default 200)
  --k K              recall@K (default 10)
  --min-time S       each timing lasts >= S seconds (default 0.2)
  --trials N         best of N timings (default 3)
  --st-build MODE    single-thread build too: on | off | auto (n <= 200000)
  --no-flat          skip the flat-scan and bandwidth section
  --bw-mib M         out-of-cache bandwidth buffer in MiB (default 256, 0 = skip)
  --no-plot          do not run gnuplot
  --out DIR          where <dataset>-<timestamp>.md/.csv/.png go
                     (default: bench/results)
  --seed S           seed for generated data and HNSW levels (default 42)
  --self-queries     queries are --nq distinct base rows; also reports
                     self-recall (own key, or a copy at distance 0, first)
  --dup-copies F     dupes: fraction of rows that are copies (default 0.30)
  --dup-sources F    dupes: ... of this fraction of the rows (default 0.01)
  --dup-noise S      dupes: near-copies, + N(0, S^2) per component (default 0:
                     exact copies)
  --help
)");
  std::exit(code);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

size_t to_size(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  unsigned long long x = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') {
    std::fprintf(stderr, "%s: not a number: '%s'\n", flag.c_str(), v.c_str());
    usage(2);
  }
  return static_cast<size_t>(x);
}

double to_double(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(x >= 0)) {
    std::fprintf(stderr, "%s: not a number >= 0: '%s'\n", flag.c_str(), v.c_str());
    usage(2);
  }
  return x;
}

}  // namespace

std::vector<size_t> default_efs(bool quick) {
  if (quick) return {16, 32, 64, 128, 256, 512};
  return {10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512};
}

Options parse_options(int argc, char** argv) {
  Options o;
  o.out_dir = QVB_DEFAULT_OUT_DIR;
  std::vector<std::string> wanted;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        usage(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h")
      usage(0);
    else if (a == "--dataset")
      for (auto& d : split(value())) wanted.push_back(d);
    else if (a == "--data")
      o.data_dir = value();
    else if (a == "--n")
      o.n = to_size(a, value());
    else if (a == "--dim")
      o.dim = to_size(a, value());
    else if (a == "--nq")
      o.nq = to_size(a, value());
    else if (a == "--threads")
      o.threads = static_cast<unsigned>(to_size(a, value()));
    else if (a == "--ef") {
      o.efs.clear();
      for (auto& e : split(value())) o.efs.push_back(to_size(a, e));
    } else if (a == "--quick")
      o.quick = true;
    else if (a == "--engines")
      o.engines = split(value());
    else if (a == "--storage")
      o.storages = split(value());
    else if (a == "--rerank")
      o.rerank = to_size(a, value());
    else if (a == "--M")
      o.M = to_size(a, value());
    else if (a == "--ef-construction")
      o.ef_construction = to_size(a, value());
    else if (a == "--k")
      o.k = to_size(a, value());
    else if (a == "--min-time")
      o.min_time = std::atof(value().c_str());
    else if (a == "--trials")
      o.trials = static_cast<int>(to_size(a, value()));
    else if (a == "--st-build")
      o.st_build = value();
    else if (a == "--no-flat")
      o.flat = false;
    else if (a == "--bw-mib")
      o.bw_mib = to_size(a, value());
    else if (a == "--no-plot")
      o.plot = false;
    else if (a == "--out")
      o.out_dir = value();
    else if (a == "--seed")
      o.seed = to_size(a, value());
    else if (a == "--self-queries")
      o.self_queries = true;
    else if (a == "--dup-copies")
      o.dup_copies = to_double(a, value());
    else if (a == "--dup-sources")
      o.dup_sources = to_double(a, value());
    else if (a == "--dup-noise")
      o.dup_noise = to_double(a, value());
    else {
      std::fprintf(stderr, "unknown flag: %s\n", a.c_str());
      usage(2);
    }
  }
  if (wanted.empty()) wanted.push_back("real");
  const auto known = known_datasets();
  for (const auto& w : wanted) {
    std::vector<std::string> names;
    if (w == "all")
      names = known;
    else if (w == "real")
      names = real_datasets();
    else if (std::find(known.begin(), known.end(), w) != known.end())
      names = {w};
    else {
      std::fprintf(stderr, "unknown data set: %s\n", w.c_str());
      usage(2);
    }
    for (auto& n : names)
      if (std::find(o.datasets.begin(), o.datasets.end(), n) == o.datasets.end())
        o.datasets.push_back(n);
  }
  for (const auto& e : o.engines)
    if (e != "quiver" && e != "hnswlib" && e != "faiss" && e != "faiss-sq8") {
      std::fprintf(stderr, "unknown engine: %s\n", e.c_str());
      usage(2);
    }
  for (const auto& s : o.storages) {
    const std::string t = s.ends_with("+bfs") ? s.substr(0, s.size() - 4) : s;
    if (t != "f32" && t != "f16" && t != "i8" && t != "b1") {
      std::fprintf(stderr, "unknown storage type: %s (f32, f16, i8, b1, each with +bfs)\n",
                   s.c_str());
      usage(2);
    }
  }
  if (o.storages.empty()) {
    std::fprintf(stderr, "--storage needs at least one of f32, f16, i8, b1\n");
    usage(2);
  }
  std::sort(o.storages.begin(), o.storages.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& s) {
      const int bfs = s.ends_with("+bfs") ? 1 : 0;
      return 2 * (s.starts_with("f32")   ? 0
                  : s.starts_with("f16") ? 1
                  : s.starts_with("i8")  ? 2
                                         : 3) +
             bfs;
    };
    return rank(a) < rank(b);
  });
  o.storages.erase(std::unique(o.storages.begin(), o.storages.end()), o.storages.end());
  if (o.st_build != "on" && o.st_build != "off" && o.st_build != "auto") {
    std::fprintf(stderr, "--st-build: on, off or auto\n");
    usage(2);
  }
  if (o.efs.empty()) o.efs = default_efs(o.quick);
  std::sort(o.efs.begin(), o.efs.end());
  o.efs.erase(std::unique(o.efs.begin(), o.efs.end()), o.efs.end());
  if (o.dup_copies >= 1 || o.dup_sources <= 0 || o.dup_sources > 1) {
    std::fprintf(stderr, "--dup-copies must be below 1, --dup-sources in (0, 1]\n");
    usage(2);
  }
  if (o.k == 0 || o.M < 2 || o.ef_construction == 0 || o.trials < 1 || o.min_time < 0) {
    std::fprintf(stderr, "bad --k, --M, --ef-construction, --trials or --min-time\n");
    usage(2);
  }
  return o;
}

}  // namespace qvb
