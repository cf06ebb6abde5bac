#include "capi_pickers.h"

#include <climits>
#include <cmath>

namespace qvfuzz::capi {

uint64_t pick_key(Input& in) {
  uint8_t how = in.u8();
  if (how < 220) return how % 24;
  if (how < 240) return in.u64();
  return UINT64_MAX - (how & 3);
}

std::vector<float> pick_vector(Input& in, uint32_t dim) {
  std::vector<float> v(dim);
  const uint8_t how = in.u8();
  if (how < 8) {  // a zero vector (rejected under cosine)
    return v;
  }
  if (how < 16) {  // one poisoned element
    for (uint32_t i = 0; i < dim; ++i) v[i] = float(i % 7) - 3;
    v[in.below(dim)] = in.flag() ? NAN : (in.flag() ? INFINITY : -INFINITY);
    return v;
  }
  for (uint32_t i = 0; i < dim; ++i) v[i] = in.some_float();
  return v;
}

size_t pick_k(Input& in) {
  static const size_t table[] = {
      1, 2, 3, 5, 10, 0, SIZE_MAX, SIZE_MAX / 2, size_t(1) << 40, size_t(UINT32_MAX) + 1, 1000};
  uint8_t how = in.u8();
  if (how < 200) return 1 + how % 12;
  return table[how % (sizeof table / sizeof table[0])];
}

bool pick_params(Input& in, qv_search_params& p, FilterState& f, qv_search_params** use) {
  const uint8_t how = in.u8();
  if (how < 64) {
    *use = nullptr;
    return true;
  }
  qv_search_params_init(&p);
  *use = &p;
  static const uint32_t efs[] = {0, 1, 4, 16, 64, 1000, UINT32_MAX, UINT32_MAX / 2};
  p.ef = efs[in.u8() % 8];
  static const uint32_t threads[] = {0, 1, 2, 3, UINT32_MAX};
  p.threads = threads[in.u8() % 5];
  if (in.flag()) {
    f.mask = in.u64();
    p.filter = mask_filter;
    p.filter_user = &f;
  }
  if (how > 250) {
    p.struct_size = in.u32();
    return p.struct_size == sizeof(qv_search_params);
  }
  return true;
}

}  // namespace qvfuzz::capi
