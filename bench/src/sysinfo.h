// What the figures were measured on.
#pragma once

#include <string>

namespace qvb {

struct SystemInfo {
  std::string cpu_model;        // /proc/cpuinfo "model name"
  unsigned logical_cpus = 0;    // std::thread::hardware_concurrency
  std::string simd;             // widest x86 SIMD the CPU reports (avx512f, avx2, ...)
  double mem_total_gib = 0;     // /proc/meminfo MemTotal
  std::string kernel;           // uname -r
  std::string compiler;         // compiler that built the bench
  std::string date_utc;         // ISO 8601, when the run started
  std::string omp_wait_policy;  // OMP_WAIT_POLICY in effect ("" = libgomp default)
};

SystemInfo collect_system_info();

// The 1, 5 and 15 minute load averages ("0.52 0.31 0.20"), to tell whether
// something else was running (this is often a shared machine).
std::string load_average();

// UTC timestamp for file names: 20240131-154502.
std::string file_timestamp();

}  // namespace qvb
