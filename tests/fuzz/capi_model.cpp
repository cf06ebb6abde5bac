#include "capi_model.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "fuzz_util.h"

namespace qvfuzz::capi {

// QVF_TRACE=1 prints every call and its status (for reading a crash input).
const bool tracing = std::getenv("QVF_TRACE") != nullptr;
void trace(const char* what, uint64_t a, uint64_t b, qv_status s) {
  if (tracing)
    std::fprintf(stderr, "  %-14s %llu %llu -> %s\n", what, (unsigned long long)a,
                 (unsigned long long)b, qv_status_string(s));
}

bool finite(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

bool tame(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!(std::fabs(v[i]) <= 1e6f)) return false;
  return true;
}

double length(const float* v, size_t n) {
  double s[4] = {0.0, 0.0, 0.0, 0.0};
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (size_t j = 0; j < 4; ++j) s[j] += double(v[i + j]) * v[i + j];
  for (; i < n; ++i) s[0] += double(v[i]) * v[i];
  return std::sqrt((s[0] + s[1]) + (s[2] + s[3]));
}

bool cosine_ok(const float* v, size_t n) { return length(v, n) > 0.0; }

bool acceptable_vector(const Model& m, const float* v, bool query) {
  if (!finite(v, m.dim)) return false;
  // A stored f16 value must fit a half; queries stay float32.
  if (!query && m.storage == QV_STORAGE_F16 && m.metric != QV_METRIC_COSINE)
    for (size_t i = 0; i < m.dim; ++i)
      if (std::fabs(v[i]) > 65504.0f) return false;
  const double len = length(v, m.dim);
  if (m.metric != QV_METRIC_COSINE) return len <= 0x1p62;
  return len > 0.0 && (query || len <= FLT_MAX);
}

double model_distance(const Model& m, const float* a, const float* b) {
  double dot = 0, na = 0, nb = 0, l2 = 0;
  for (size_t i = 0; i < m.dim; ++i) {
    dot += double(a[i]) * b[i];
    na += double(a[i]) * a[i];
    nb += double(b[i]) * b[i];
    l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  }
  if (m.metric == QV_METRIC_L2) return l2;
  if (m.metric == QV_METRIC_IP) return 1 - dot;
  return 1 - dot / (std::sqrt(na) * std::sqrt(nb));
}

double tolerance(const Model& m, const float* a, const float* b) {
  double scale = 1;
  for (size_t i = 0; i < m.dim; ++i) scale += double(a[i]) * a[i] + double(b[i]) * b[i];
  if (m.metric == QV_METRIC_COSINE) scale = 2;
  return 1e-4 + 1e-5 * double(m.dim) * scale;
}

void check_failure_message(qv_status s) {
  if (s != QV_OK) QVF_CHECK(qv_last_error()[0] != '\0');
}

void check_count(const Slot& slot) {
  if (!slot.index) return;
  size_t count = 0;
  QVF_CHECK(qv_index_count(slot.index, &count) == QV_OK);
  QVF_CHECK(count == slot.m.live.size());
}

bool room(const Slot& slot, size_t n) {
  return slot.m.live.size() + n <= kMaxLive &&
         (slot.m.live.size() + n) * slot.m.dim <= kMaxFloatsPerIndex;
}

int mask_filter(uint64_t key, void* user) {
  const auto* f = static_cast<const FilterState*>(user);
  return int((f->mask >> (key % 64)) & 1);
}

bool passes(const qv_search_params* p, uint64_t key) {
  return !p || !p->filter || p->filter(key, p->filter_user) != 0;
}

void check_results(const Slot& slot, const float* query, size_t k, const qv_search_params* p,
                   const uint64_t* keys, const float* dist, size_t found) {
  const Model& m = slot.m;
  size_t eligible = 0;
  for (const auto& [key, e] : m.live) eligible += passes(p, key);
  QVF_CHECK(found <= k && found <= eligible);
  std::set<uint64_t> unique;
  for (size_t i = 0; i < found; ++i) {
    QVF_CHECK(m.live.count(keys[i]) == 1);  // never a removed or unknown key
    QVF_CHECK(passes(p, keys[i]));
    QVF_CHECK(unique.insert(keys[i]).second);
  }
  if (!dist) return;
  // Whatever the values the index accepted, no distance overflows: every
  // one is finite and they come sorted.
  for (size_t i = 0; i < found; ++i) {
    QVF_CHECK(std::isfinite(dist[i]));
    if (i) QVF_CHECK(dist[i - 1] <= dist[i]);
  }
  const bool exact = !m.wild && !m.codes_estimate && tame(query, m.dim);
  if (!exact) return;
  for (size_t i = 0; i < found; ++i) {
    const Entry& e = m.live.at(keys[i]);
    if (e.approx) continue;
    if (tracing)
      std::fprintf(stderr, "    hit %llu: %g, model %.9g, tolerance %g\n",
                   (unsigned long long)keys[i], dist[i], model_distance(m, query, e.vector.data()),
                   tolerance(m, query, e.vector.data()));
    QVF_CHECK(std::fabs(dist[i] - model_distance(m, query, e.vector.data())) <=
              tolerance(m, query, e.vector.data()));
  }
  if (m.kind != QV_INDEX_FLAT) return;
  // Exact search: every eligible key it left out is no nearer than the last one it kept.
  QVF_CHECK(found == std::min(k, eligible));
  // Compact storage ranks on codes first: the set need not be the exact one.
  if (found == 0 || m.storage != QV_STORAGE_F32) return;
  for (const auto& [key, e] : m.live) {
    if (!passes(p, key) || unique.count(key) || e.approx) continue;
    const double d = model_distance(m, query, e.vector.data());
    QVF_CHECK(d + tolerance(m, query, e.vector.data()) >= dist[found - 1]);
  }
}

}  // namespace qvfuzz::capi
