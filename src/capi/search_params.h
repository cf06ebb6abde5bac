// qv_search_params (NULL = the defaults) and k as C++ search options: the
// one translation every search call of the C API uses.
#pragma once

#include <cmath>
#include <string>

#include "capi/error_state.h"
#include "capi/struct_sizes.h"
#include "index/vector_index.h"
#include "quiver/quiver.h"

namespace quiver::capi {

inline qv_status read_search_params(const qv_search_params* params, size_t k, SearchOptions& out,
                                    unsigned& threads) {
  if (k == 0) return invalid("k is 0; ask for at least one neighbour");
  out.k = k;
  threads = 0;
  if (!params) return QV_OK;
  qv_search_params p;
  qv_search_params_init(&p);
  if (qv_status s = read_versioned(params, kSearchParamsV1Size,
                                   offsetof(qv_search_params, threads) + sizeof(uint32_t), "params",
                                   "qv_search_params_init", p))
    return s;
  out.ef = p.ef;
  out.filter.fn = p.filter;
  out.filter.user = p.filter_user;
  out.rerank = p.rerank;
  if (!std::isfinite(p.keyword_weight) || p.keyword_weight < 0.0f || p.keyword_weight > 1000.0f)
    return invalid("keyword_weight is " + std::to_string(p.keyword_weight) +
                   "; it must be between 0 and 1000 (0 = equal weights)");
  out.keyword_weight = p.keyword_weight == 0.0f ? 1.0 : double(p.keyword_weight);
  threads = p.threads;
  return QV_OK;
}

}  // namespace quiver::capi
