// Recall (x) against QPS (y, log scale) per data set, drawn by gnuplot from a
// generated script (kept next to the PNG so that it can be re-run).
#pragma once

#include <string>

#include "report.h"

namespace qvb {

// Writes gp_path, then runs gnuplot on it to draw png_path. Returns false with
// a message in *msg when gnuplot is missing or fails (the .gp is still written).
bool plot_recall_qps(const BenchResult& r, const std::string& gp_path, const std::string& png_path,
                     std::string* msg);

}  // namespace qvb
