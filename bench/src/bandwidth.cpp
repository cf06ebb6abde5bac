// Compiled with -O3 -march=native (see CMakeLists.txt): the read loop should
// be as fast as the machine allows, it is the yardstick for the scans.
#include "bandwidth.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "common.h"
#include "measure.h"
#include "thread_pool.h"

namespace qvb {

namespace {

volatile float g_sink;  // keeps the sums alive

float sum_floats(const float* p, size_t count) {
  constexpr size_t kLanes = 32;  // independent accumulators -> SIMD without -ffast-math
  float acc[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes)
    for (size_t l = 0; l < kLanes; ++l) acc[l] += p[i + l];
  float s = 0;
  for (; i < count; ++i) s += p[i];
  for (float a : acc) s += a;
  return s;
}

double timed(const std::function<void()>& pass, double min_time, int trials) {
  double t0 = now_seconds();
  pass();
  return best_seconds_per_pass(pass, now_seconds() - t0, min_time, trials);
}

}  // namespace

double memcpy_gbps(const void* src, size_t bytes, double min_time, int trials) {
  std::unique_ptr<char[]> dst(new char[bytes]);
  std::memset(dst.get(), 0, bytes);  // fault the pages in before timing
  double s = timed(
      [&] {
        std::memcpy(dst.get(), src, bytes);
        g_sink = static_cast<float>(dst[bytes / 2]);
      },
      min_time, trials);
  return static_cast<double>(bytes) / s / 1e9;
}

double read_gbps(const float* data, size_t count, ThreadPool& pool, double min_time, int trials) {
  const size_t t = pool.size();
  const size_t chunk = std::max<size_t>(4096, (count + t - 1) / t);
  const size_t chunks = (count + chunk - 1) / chunk;  // <= t
  std::vector<float> partial(chunks * 16);            // 64 bytes apart: no false sharing
  auto pass = [&] {
    pool.run(chunks, 1, [&](size_t b, size_t e) {
      for (size_t c = b; c < e; ++c) {
        size_t lo = c * chunk, hi = std::min(count, lo + chunk);
        partial[c * 16] = sum_floats(data + lo, hi - lo);
      }
    });
    float s = 0;
    for (size_t c = 0; c < chunks; ++c) s += partial[c * 16];
    g_sink = s;
  };
  double s = timed(pass, min_time, trials);
  return static_cast<double>(count * sizeof(float)) / s / 1e9;
}

}  // namespace qvb
