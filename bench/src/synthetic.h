// Generated data sets. The generator is written here (splitmix64 + Box-Muller)
// rather than taken from <random> so that the same seed gives the same
// vectors with every standard library. Rows are generated in blocks with
// per-block seeds, so the result does not depend on the thread count either.
#pragma once

#include <cstddef>
#include <cstdint>

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

}  // namespace qvb
