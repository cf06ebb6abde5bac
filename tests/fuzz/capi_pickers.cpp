#include "capi_pickers.h"

#include <cfloat>
#include <climits>
#include <cmath>
#include <iterator>

namespace qvfuzz::capi {

uint64_t pick_key(Input& in) {
  uint8_t how = in.u8();
  if (how < 220) return how % 24;
  if (how < 240) return in.u64();
  return UINT64_MAX - (how & 3);
}

// Fills v with one magnitude of mixed signs: the largest floats, values
// that put the length exactly at 2^62 (the L2 / IP limit) or FLT_MAX (the
// cosine limit for stored vectors) or one float step past, values whose
// products overflow, or subnormals. Some elements are left zero.
static void pick_extreme(Input& in, std::vector<float>& v) {
  const size_t dim = v.size();
  const float root = float(std::sqrt(double(dim)));
  const float table[] = {1e38f,
                         FLT_MAX,
                         float(0x1p62 / std::sqrt(double(dim))),
                         0x1p62f,
                         float(double(FLT_MAX) / std::sqrt(double(dim))),
                         1e19f,
                         1e30f,
                         4.6e18f / root,
                         FLT_TRUE_MIN,
                         1e-40f};
  const uint8_t how = in.u8();
  float scale = table[how % (sizeof table / sizeof table[0])];
  if (how & 0x80) scale = std::nextafter(scale, INFINITY);
  const bool one_element = how & 0x40;  // only element 0 (length = scale)
  for (size_t i = 0; i < dim; ++i) {
    if (one_element && i) break;
    const uint8_t b = in.u8();
    if (b < 32) continue;  // zero
    v[i] = b & 1 ? -scale : scale;
  }
}

// A live vector of the model as it was added, or the same with one element
// moved by one float step: copies and near-copies are what real corpora are
// full of (boilerplate, identical embeddings), and what HNSW's neighbour
// selection must survive.
static bool pick_copy(Input& in, const Model& m, std::vector<float>& v) {
  if (m.live.empty()) return false;
  auto it = m.live.begin();
  std::advance(it, in.below(m.live.size()));
  if (it->second.vector.size() != v.size()) return false;
  v = it->second.vector;
  if (in.flag()) {
    float& x = v[in.below(v.size())];
    x = std::nextafter(x, in.flag() ? INFINITY : -INFINITY);
  }
  return true;
}

std::vector<float> pick_vector(Input& in, uint32_t dim, const Model* model) {
  std::vector<float> v(dim);
  const uint8_t how = in.u8();
  if (model && how >= 200 && how < 248 && pick_copy(in, *model, v)) return v;
  if (how < 8) {  // a zero vector (rejected under cosine)
    return v;
  }
  if (how < 16) {  // one poisoned element
    for (uint32_t i = 0; i < dim; ++i) v[i] = float(i % 7) - 3;
    v[in.below(dim)] = in.flag() ? NAN : (in.flag() ? INFINITY : -INFINITY);
    return v;
  }
  if (how >= 248) {  // extreme: huge, at the length limits, or subnormal
    pick_extreme(in, v);
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
  static const size_t reranks[] = {0, 1, 3, 10, 1000, SIZE_MAX};
  const uint8_t tb = in.u8();  // threads, and rerank from what the byte has left
  p.threads = threads[tb % 5];
  p.rerank = reranks[(tb / 5) % 6];
  if (in.flag()) {
    f.mask = in.u64();
    p.filter = mask_filter;
    p.filter_user = &f;
  }
  if (how > 250) {
    p.struct_size = in.u32();
    return p.struct_size == sizeof(qv_search_params) || p.struct_size == 32;  // 32: Quiver 0.1's
  }
  return true;
}

}  // namespace qvfuzz::capi
