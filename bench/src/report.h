// Everything measured for one data set, and its Markdown and CSV renderings.
#pragma once

#include <string>
#include <vector>

#include "flatscan.h"
#include "measure.h"
#include "sysinfo.h"

namespace qvb {

struct BenchResult {
  std::string dataset;
  std::string description;
  std::string gt_source;
  bool generated = false;
  size_t n = 0, dim = 0, nq = 0;
  RunConfig cfg;
  SystemInfo sys;
  std::string load_before, load_after;  // load averages around the run
  double wall_seconds = 0;              // the whole data set, loading included
  std::vector<EngineReport> engines;    // HNSW engines in run order
  bool flat_ran = false;
  FlatReport flat;
  std::vector<double> targets = {0.95, 0.99, 0.995};
};

std::string render_markdown(const BenchResult& r);

// Tidy CSV, one measurement per row:
// dataset,n,dim,nq,section,engine,mode,threads,ef,recall,qps,value,unit
void write_csv(const BenchResult& r, const std::string& path);

}  // namespace qvb
