// quiver_renumber_ab: what qv_index_compact's breadth-first renumbering does
// to search speed, measured as an A/B on one index (issue 12). Builds (or
// reuses) an HNSW index of GENERATED clustered vectors, opens it twice with
// QV_OPEN_LOAD, renumbers the second copy, then times both alternately,
// round after round, one query per call on this thread, and prints the
// median and quartiles of the per-round QPS ratio. Both copies hold the same
// graph and answer every query identically (tests/test_hnsw_renumber.c), so
// the ratio is memory layout alone; alternating rounds spread machine noise
// over both.
//
// Usage: quiver_renumber_ab N DIM EF INDEX_FILE ROUNDS
//   INDEX_FILE is built (M 16, ef_construction 200, all cores) when missing.
#include <quiver/quiver.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "synthetic.h"

namespace {

double seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

double qps(const qv_index* index, const qvb::Matrix& queries, uint32_t ef) {
  qv_search_params params;
  qv_search_params_init(&params);
  params.ef = ef;
  uint64_t keys[10];
  size_t found = 0;
  const double start = seconds();
  for (size_t i = 0; i < queries.n; ++i)
    qv_index_search(index, queries.row(i), 10, &params, keys, nullptr, &found);
  return double(queries.n) / (seconds() - start);
}

qv_index* open_or_build(const char* path, const qvb::Matrix& base) {
  qv_index* index = nullptr;
  if (qv_index_open(path, QV_OPEN_LOAD, &index) == QV_OK) return index;
  qv_index_options o;
  qv_index_options_init(&o);
  o.dim = uint32_t(base.d);
  if (qv_index_create(&o, &index) != QV_OK) return nullptr;
  std::vector<uint64_t> keys(base.n);
  for (size_t i = 0; i < base.n; ++i) keys[i] = i;
  const double start = seconds();
  if (qv_index_add_batch(index, base.n, keys.data(), base.data.data()) != QV_OK ||
      qv_index_save(index, path) != QV_OK) {
    std::fprintf(stderr, "build: %s\n", qv_last_error());
    std::exit(1);
  }
  std::fprintf(stderr, "built %zu x %zu in %.1f s\n", base.n, base.d, seconds() - start);
  qv_index_free(index);
  index = nullptr;
  return qv_index_open(path, QV_OPEN_LOAD, &index) == QV_OK ? index : nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: quiver_renumber_ab N DIM EF INDEX_FILE ROUNDS\n");
    return 2;
  }
  const size_t n = std::strtoull(argv[1], nullptr, 10), dim = std::strtoull(argv[2], nullptr, 10);
  const uint32_t ef = uint32_t(std::strtoul(argv[3], nullptr, 10));
  const char* path = argv[4];
  const int rounds = std::max(1, std::atoi(argv[5]));
  // The bench's --dataset gaussian: 100 clusters, sigma 0.5.
  const qvb::Matrix base = qvb::make_gaussian_mixture(n, dim, 100, 0.5f, 42, 1, 2);
  const qvb::Matrix queries = qvb::make_gaussian_mixture(1000, dim, 100, 0.5f, 42, 2, 2);
  qv_index* plain = open_or_build(path, base);
  qv_index* renumbered = nullptr;
  if (!plain || qv_index_open(path, QV_OPEN_LOAD, &renumbered) != QV_OK) {
    std::fprintf(stderr, "open: %s\n", qv_last_error());
    return 1;
  }
  const double start = seconds();
  qv_index_compact(renumbered);
  std::fprintf(stderr, "renumbered in %.2f s\n", seconds() - start);
  std::vector<double> ratios;
  double sum_plain = 0, sum_renumbered = 0;
  for (int r = 0; r < rounds; ++r) {
    double a, b;
    if (r % 2) {
      b = qps(renumbered, queries, ef);
      a = qps(plain, queries, ef);
    } else {
      a = qps(plain, queries, ef);
      b = qps(renumbered, queries, ef);
    }
    sum_plain += a;
    sum_renumbered += b;
    ratios.push_back(b / a);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf(
      "n %zu, dim %zu, ef %u: plain %.0f QPS, renumbered %.0f QPS (means of %d rounds); "
      "renumbered / plain: median %.3f, quartiles %.3f - %.3f\n",
      n, dim, ef, sum_plain / rounds, sum_renumbered / rounds, rounds, ratios[ratios.size() / 2],
      ratios[ratios.size() / 4], ratios[3 * ratios.size() / 4]);
  qv_index_free(plain);
  qv_index_free(renumbered);
  return 0;
}
