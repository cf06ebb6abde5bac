#include "synthetic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>
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
      for (size_t i = b * kBlockRows; i < std::min(n, (b + 1) * kBlockRows); ++i)
        fill_row(rng, m.row(i));
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

std::vector<uint32_t> sample_rows(size_t n, size_t count, uint64_t seed) {
  std::vector<uint32_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0u);
  count = std::min(count, n);
  SplitMix64 rng{mix(seed, 0x5E1F)};
  for (size_t i = 0; i < count; ++i) std::swap(rows[i], rows[i + rng.next() % (n - i)]);
  rows.resize(count);
  return rows;
}

DuplicatedData make_duplicated(size_t n, size_t d, size_t nq, const DuplicationSpec& spec,
                               size_t clusters, float sigma, uint64_t seed, unsigned threads) {
  const size_t copies = static_cast<size_t>(std::llround(static_cast<double>(n) * spec.copies));
  const size_t sources =
      std::max<size_t>(1, static_cast<size_t>(std::llround(static_cast<double>(n) * spec.sources)));
  if (spec.copies < 0 || spec.sources <= 0 || copies >= n || sources > n - copies)
    throw std::invalid_argument("duplicates: copy and source fractions do not fit in n rows");
  const size_t distinct = n - copies;

  DuplicatedData out;
  out.sources = sources;
  out.copies = copies;
  // Distinct rows, then held-out queries from the same centres.
  Matrix rows = make_gaussian_mixture(distinct, d, clusters, sigma, seed, 1, threads);
  Matrix held = make_gaussian_mixture((nq + 1) / 2, d, clusters, sigma, seed, 2, threads);

  // Row r of the unshuffled list (distinct rows, then copies) lands at place[r].
  std::vector<uint32_t> place(n);
  std::iota(place.begin(), place.end(), 0u);
  SplitMix64 shuffle{mix(seed, 0xD0B1E5)};
  for (size_t i = n - 1; i > 0; --i) std::swap(place[i], place[shuffle.next() % (i + 1)]);

  out.base.n = n;
  out.base.d = d;
  out.base.data.resize(n * d);
  for (size_t r = 0; r < distinct; ++r)
    std::memcpy(out.base.row(place[r]), rows.row(r), d * sizeof(float));
  SplitMix64 noise{mix(seed, 0x401535)};
  for (size_t c = 0; c < copies; ++c) {
    float* row = out.base.row(place[distinct + c]);
    std::memcpy(row, rows.row(c % sources), d * sizeof(float));
    if (spec.noise > 0)
      for (size_t j = 0; j < d; ++j) row[j] += spec.noise * noise.normal();
  }

  out.queries.n = nq;
  out.queries.d = d;
  out.queries.data.resize(nq * d);
  out.self_ids.assign(nq, kNoSelf);
  SplitMix64 pick{mix(seed, 0x9E41)};
  for (size_t q = 0; q < nq; ++q) {
    if (q % 2 == 0) {
      std::memcpy(out.queries.row(q), held.row(q / 2), d * sizeof(float));
    } else {
      const size_t s = pick.next() % sources;
      std::memcpy(out.queries.row(q), rows.row(s), d * sizeof(float));
      out.self_ids[q] = place[s];
    }
  }
  return out;
}

void normalize_rows(Matrix& m) {
  for (size_t i = 0; i < m.n; ++i) {
    float* row = m.data.data() + i * m.d;
    double sum = 0;
    for (size_t j = 0; j < m.d; ++j) sum += double(row[j]) * row[j];
    if (sum == 0) continue;
    const float scale = float(1.0 / std::sqrt(sum));
    for (size_t j = 0; j < m.d; ++j) row[j] *= scale;
  }
}

}  // namespace qvb
