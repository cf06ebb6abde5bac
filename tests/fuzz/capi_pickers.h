// Argument pickers of fuzz_capi: turn the fuzzer's bytes into keys,
// vectors, k and search parameters, mostly valid, sometimes not (NaN and
// infinite values, k = 0 or near SIZE_MAX, a wrong struct_size). Some
// vectors are copies of live ones; some are extreme: huge values of mixed sign, lengths at or one
// float step past the limits of each metric, subnormals.
#pragma once

#include <quiver/quiver.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "capi_model.h"
#include "fuzz_util.h"

namespace qvfuzz::capi {

uint64_t pick_key(Input& in);
// With a model, about one pick in five copies one of its live vectors
// exactly or within a float step.
std::vector<float> pick_vector(Input& in, uint32_t dim, const Model* model = nullptr);
size_t pick_k(Input& in);
// Fills params (maybe invalid); returns whether it is one the library must
// accept. Sets *use to NULL or &p.
bool pick_params(Input& in, qv_search_params& p, FilterState& f, qv_search_params** use);

}  // namespace qvfuzz::capi
