// Command-line flags of quiver_bench (see usage() in options.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qvb {

struct Options {
  std::vector<std::string> datasets;                                  // expanded: no "all"/"real"
  std::vector<std::string> engines = {"quiver", "hnswlib", "faiss"};  // + faiss-sq8
  std::vector<std::string> storages = {"f32"};  // --storage: one Quiver engine each
  size_t rerank = 0;                            // --rerank: Quiver I8/B1 (0 = ef)
  std::string data_dir;                         // --data; "" = default location
  std::string out_dir;                          // --out
  size_t n = 0, dim = 0, nq = 0;                // 0 = data set default
  unsigned threads = 0;                         // 0 = all hardware threads
  std::vector<size_t> efs;                      // empty = default sweep
  bool quick = false;
  size_t M = 16, ef_construction = 200, k = 10;
  double min_time = 0.2;
  int trials = 3;
  std::string st_build = "auto";  // single-thread build: on, off, auto (n <= 200k)
  bool flat = true;
  bool plot = true;
  size_t bw_mib = 256;  // out-of-cache bandwidth buffer
  uint64_t seed = 42;
  bool self_queries = false;  // queries = base rows; self-recall is reported
  double dup_copies = 0.30;   // `dupes`: fraction of rows that are copies
  double dup_sources = 0.01;  // ... of this fraction of the rows
  double dup_noise = 0;       // ... plus N(0, noise^2) per component (0 = exact)
};

// Parses argv; prints usage and exits on --help or a bad flag.
Options parse_options(int argc, char** argv);

// The default ef sweeps.
std::vector<size_t> default_efs(bool quick);

}  // namespace qvb
