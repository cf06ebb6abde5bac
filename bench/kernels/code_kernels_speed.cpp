// Throughput of the distance kernels per storage type (f32, f16, i8, b1) and
// per SIMD target: nanoseconds per row for the four-row kernels a graph search
// calls, on rows that sit in cache (a few hundred rows, read again and again)
// and on rows that do not (random rows of a 1 GiB array). Not part of the
// build; from the repository root, after building quiver_core in build-kern:
//
//   g++ -O2 -std=c++20 -Isrc bench/kernels/code_kernels_speed.cpp
//       build-kern/src/libquiver_core.a -lhwy -o /tmp/code_kernels_speed   (one line)
//   /tmp/code_kernels_speed [dim ...]        (default: 128 768 1536)
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <utility>
#include <vector>

#include "kernels/codes.h"
#include "kernels/distance.h"

namespace qk = quiver::kernels;

namespace {

volatile double g_sink;  // keeps the results alive

// Rows of `row_bytes` in one array; `order` lists the rows to visit.
struct Rows {
  std::vector<uint8_t> data;
  size_t row_bytes;
  size_t count;
  std::vector<uint32_t> order;
};

Rows MakeRows(size_t row_bytes, size_t total_bytes, size_t visits, std::mt19937& rng) {
  Rows r;
  r.row_bytes = row_bytes;
  r.count = total_bytes / row_bytes;
  r.data.resize(r.count * row_bytes);
  // Bytes that are valid values of every type: small floats, halves, i8, bits.
  for (size_t i = 0; i < r.data.size(); i += 4) {
    const float f = std::uniform_real_distribution<float>(-1, 1)(rng);
    std::memcpy(&r.data[i], &f, 4);
  }
  std::uniform_int_distribution<uint32_t> pick(0, static_cast<uint32_t>(r.count - 1));
  r.order.resize(visits);
  for (uint32_t& o : r.order) o = pick(rng);
  return r;
}

// ns per row of one pass of four(query, rows...) over r.order.
template <typename T, typename Out, typename Four>
double TimeFour(const Rows& r, const void* query, size_t dim, Four four) {
  double acc = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i + 4 <= r.order.size(); i += 4) {
    const T* rows[4];
    for (int k = 0; k < 4; ++k)
      rows[k] = reinterpret_cast<const T*>(r.data.data() + r.order[i + k] * r.row_bytes);
    Out out[4];
    four(query, rows, dim, out);
    acc += static_cast<double>(out[0] + out[1] + out[2] + out[3]);
  }
  const auto t1 = std::chrono::steady_clock::now();
  g_sink = acc;
  const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
  return ns / static_cast<double>(r.order.size() / 4 * 4);
}

bool Skipped(const char* target) {
  return std::strcmp(target, "SCALAR") == 0 || std::strcmp(target, "SSSE3") == 0;
}

void Run(size_t dim) {
  std::mt19937 rng(42);
  std::vector<float> qf(dim);
  for (float& x : qf) x = std::uniform_real_distribution<float>(-1, 1)(rng);
  std::vector<int8_t> qi(dim);
  qk::quantize_i8(qf.data(), dim, nullptr, 127.0f, qi.data());
  std::vector<uint64_t> qb(qk::b1_words(dim));
  qk::pack_b1(qf.data(), dim, qb.data());

  struct Kind {
    const char* name;
    size_t row_bytes;
  };
  const Kind kinds[] = {
      {"f32", dim * 4}, {"f16", dim * 2}, {"i8", dim}, {"b1", qk::b1_words(dim) * 8}};

  std::vector<qk::SimdKernels> ft(qk::simd_kernels_for_all_targets(nullptr, 0));
  qk::simd_kernels_for_all_targets(ft.data(), ft.size());
  std::vector<qk::CodeKernels> ct(qk::code_kernels_for_all_targets(nullptr, 0));
  qk::code_kernels_for_all_targets(ct.data(), ct.size());

  for (const Kind& kind : kinds) {
    for (int cold = 0; cold < 2; ++cold) {
      const size_t total = cold ? (size_t{1} << 30) : 256 * kind.row_bytes;
      const size_t visits = cold ? 200000 : 1000000;
      const Rows rows = MakeRows(kind.row_bytes, total, visits, rng);
      std::printf("dim %5zu %-3s %-4s row %6zu B:", dim, kind.name, cold ? "cold" : "hot",
                  kind.row_bytes);
      // (target, one timed pass); passes of all targets interleave, best of 5,
      // so load from other processes hits every target alike.
      std::vector<std::pair<const char*, std::function<double()>>> runs;
      if (kind.name[1] == '3') {  // f32: distance.h's kernels and targets
        for (const qk::SimdKernels& k : ft) {
          if (Skipped(k.target)) continue;
          runs.emplace_back(k.target, [&, k] {
            return TimeFour<float, float>(rows, qf.data(), dim,
                                          [&](const void* q, const float** r, size_t d, float* o) {
                                            k.dot_f32_x4(static_cast<const float*>(q), r, d, o);
                                          });
          });
        }
      }
      for (const qk::CodeKernels& k : ct) {
        if (kind.name[1] == '3' || Skipped(k.target)) continue;
        runs.emplace_back(k.target, [&, k]() -> double {
          if (kind.name[0] == 'f') {
            return TimeFour<uint16_t, float>(
                rows, qf.data(), dim, [&](const void* q, const uint16_t** r, size_t d, float* o) {
                  k.dot_f32_f16_x4(static_cast<const float*>(q), r, d, o);
                });
          }
          if (kind.name[0] == 'i') {
            return TimeFour<int8_t, int64_t>(
                rows, qi.data(), dim, [&](const void* q, const int8_t** r, size_t d, int64_t* o) {
                  k.dot_i8_x4(static_cast<const int8_t*>(q), r, d, o);
                });
          }
          return TimeFour<uint64_t, uint64_t>(
              rows, qb.data(), dim, [&](const void* q, const uint64_t** r, size_t d, uint64_t* o) {
                k.hamming_b1_x4(static_cast<const uint64_t*>(q), r, d, o);
              });
        });
      }
      std::vector<double> best(runs.size(), 1e30);
      for (int rep = 0; rep < 5; ++rep)
        for (size_t j = 0; j < runs.size(); ++j) best[j] = std::min(best[j], runs[j].second());
      for (size_t j = 0; j < runs.size(); ++j)
        std::printf("  %s %.1f ns (%.1f GB/s)", runs[j].first, best[j],
                    static_cast<double>(kind.row_bytes) / best[j]);
      std::printf("\n");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> dims;
  for (int i = 1; i < argc; ++i) dims.push_back(std::strtoul(argv[i], nullptr, 10));
  if (dims.empty()) dims = {128, 768, 1536};
  std::printf("f32/f16: dot x4; i8: dot x4; b1: hamming x4. ns per row, best of 5.\n");
  for (size_t dim : dims) Run(dim);
}
