// qv_search_params (NULL = the defaults) and k as C++ search options: the
// one translation every search call of the C API uses.
#pragma once

#include <string>

#include "capi/error_state.h"
#include "index/vector_index.h"
#include "quiver/quiver.h"

namespace quiver::capi {

inline qv_status read_search_params(const qv_search_params* params, size_t k, SearchOptions& out,
                                    unsigned& threads) {
  if (k == 0) return invalid("k is 0; ask for at least one neighbour");
  out.k = k;
  threads = 0;
  if (!params) return QV_OK;
  if (params->struct_size != sizeof(qv_search_params))
    return invalid("params.struct_size is " + std::to_string(params->struct_size) + ", expected " +
                   std::to_string(sizeof(qv_search_params)) +
                   "; initialise the struct with qv_search_params_init");
  out.ef = params->ef;
  out.filter.fn = params->filter;
  out.filter.user = params->filter_user;
  threads = params->threads;
  return QV_OK;
}

}  // namespace quiver::capi
