// Generated data sets. The generator is written here (splitmix64 + Box-Muller)
// rather than taken from <random> so that the same seed gives the same
// vectors with every standard library. Rows are generated in blocks with
// per-block seeds, so the result does not depend on the thread count either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"

namespace qvb {

// n x d, components uniform in [0, 1). Hard for graph indexes: in high
// dimension all distances concentrate, unlike real data.
Matrix make_uniform(size_t n, size_t d, uint64_t seed, unsigned threads);

// A mixture of `clusters` isotropic Gaussians in d dimensions: centres drawn
// from N(0, 1)^d (fixed by `seed`), each point = a random centre (chosen by
// `sample_seed`) + N(0, sigma^2)^d noise. Use the same seed and different
// sample_seeds for base and queries so they share the centres.
Matrix make_gaussian_mixture(size_t n, size_t d, size_t clusters, float sigma, uint64_t seed,
                             uint64_t sample_seed, unsigned threads);

// Scales every row to length 1 (rows of zeros stay zero).
void normalize_rows(Matrix& m);

// `count` distinct row numbers below n (all of them when count >= n), in
// random order.
std::vector<uint32_t> sample_rows(size_t n, size_t count, uint64_t seed);

// Heavy duplication: of the n base rows, `copies` (a fraction) are copies of
// `sources` (a fraction) of the rows, spread evenly over the sources, plus
// N(0, noise^2) per component when noise > 0 (near-copies). The sources and
// the other distinct rows come from make_gaussian_mixture; rows are shuffled.
struct DuplicationSpec {
  double copies = 0.30;
  double sources = 0.01;
  float noise = 0;  // 0 = exact copies
};

struct DuplicatedData {
  Matrix base;
  Matrix queries;                  // even rows held out, odd rows equal to a source
  std::vector<uint32_t> self_ids;  // per query: the source's base row, or kNoSelf
  size_t sources = 0, copies = 0;  // row counts
};

// Queries: half fresh draws from the same mixture (held out), half exact
// copies of randomly chosen source rows (the originals, not the noisy copies).
// Throws std::invalid_argument when the fractions do not fit in n.
DuplicatedData make_duplicated(size_t n, size_t d, size_t nq, const DuplicationSpec& spec,
                               size_t clusters, float sigma, uint64_t seed, unsigned threads);

}  // namespace qvb
