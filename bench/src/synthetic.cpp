#include "synthetic.h"

#include <cmath>
#include <vector>

#include "thread_pool.h"

namespace qvb {

namespace {

constexpr size_t kBlockRows = 1024;

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  // Standard normal (Box-Muller; the second value is dropped for simplicity).
  float normal() {
    double u1 = (static_cast<double>(next() >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
};

uint64_t mix(uint64_t a, uint64_t b) {
  SplitMix64 r{a ^ (b * 0xD1B54A32D192ED03ull)};
  return r.next();
}

template <typename RowBlockFn>
Matrix generate(size_t n, size_t d, uint64_t seed, unsigned threads, RowBlockFn&& fill_row) {
  Matrix m;
  m.n = n;
  m.d = d;
  m.data.resize(n * d);
  size_t blocks = (n + kBlockRows - 1) / kBlockRows;
  ThreadPool pool(threads);
  pool.run(blocks, 1, [&](size_t b0, size_t b1) {
    for (size_t b = b0; b < b1; ++b) {
      SplitMix64 rng{mix(seed, b)};
      for (size_t i = b * kBlockRows; i < std::min(n, (b + 1) * kBlockRows); ++i) fill_row(rng, m.row(i));
    }
  });
  return m;
}

}  // namespace

Matrix make_uniform(size_t n, size_t d, uint64_t seed, unsigned threads) {
  return generate(n, d, seed, threads, [d](SplitMix64& rng, float* row) {
    for (size_t j = 0; j < d; ++j) row[j] = rng.uniform();
  });
}

Matrix make_gaussian_mixture(size_t n, size_t d, size_t clusters, float sigma, uint64_t seed,
                             uint64_t sample_seed, unsigned threads) {
  std::vector<float> centres(clusters * d);
  SplitMix64 crng{mix(seed, 0xC3E7)};
  for (float& c : centres) c = crng.normal();
  return generate(n, d, mix(seed, sample_seed), threads, [&](SplitMix64& rng, float* row) {
    const float* c = centres.data() + (rng.next() % clusters) * d;
    for (size_t j = 0; j < d; ++j) row[j] = c[j] + sigma * rng.normal();
  });
}

}  // namespace qvb
