#include "recall.h"

namespace qvb {

namespace {

// Squared L2 in double: the same function scores the k-th neighbour and every
// returned key, so exact copies get bit-identical distances.
double l2sq(const float* a, const float* b, size_t d) {
  double s = 0;
  for (size_t j = 0; j < d; ++j) {
    double t = static_cast<double>(a[j]) - static_cast<double>(b[j]);
    s += t * t;
  }
  return s;
}

bool valid_id(int64_t id, const Dataset& ds) {
  return id >= 0 && static_cast<uint64_t>(id) < ds.base.n;
}

bool seen_before(const int64_t* got, size_t j) {
  for (size_t i = 0; i < j; ++i)
    if (got[i] == got[j]) return true;
  return false;
}

}  // namespace

double recall_at_k(const std::vector<int64_t>& ids, size_t nq, size_t k, const Dataset& ds) {
  if (nq == 0 || k == 0 || ds.gt_k < k) return 0.0;
  const size_t d = ds.base.d;
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    const float* query = ds.queries.row(q);
    const double kth = l2sq(query, ds.base.row(ds.gt[q * ds.gt_k + k - 1]), d);
    const double limit = kth * (1.0 + kTieEpsilon);
    const int64_t* got = ids.data() + q * k;
    for (size_t j = 0; j < k; ++j) {
      if (!valid_id(got[j], ds) || seen_before(got, j)) continue;
      if (l2sq(query, ds.base.row(static_cast<size_t>(got[j])), d) <= limit) ++hits;
    }
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

SelfRecall self_recall(const std::vector<int64_t>& ids, size_t nq, size_t k, const Dataset& ds) {
  SelfRecall r;
  if (ds.self_ids.empty() || k == 0) return r;
  size_t first = 0, anywhere = 0;
  for (size_t q = 0; q < nq && q < ds.self_ids.size(); ++q) {
    const uint32_t self = ds.self_ids[q];
    if (self == kNoSelf) continue;
    ++r.queries;
    const float* query = ds.queries.row(q);
    const int64_t* got = ids.data() + q * k;
    for (size_t j = 0; j < k; ++j) {
      if (!valid_id(got[j], ds)) continue;
      bool own = static_cast<uint32_t>(got[j]) == self ||
                 l2sq(query, ds.base.row(static_cast<size_t>(got[j])), ds.base.d) == 0.0;
      if (!own) continue;
      if (j == 0) ++first;
      ++anywhere;
      break;
    }
  }
  if (r.queries) {
    r.first = static_cast<double>(first) / static_cast<double>(r.queries);
    r.in_top_k = static_cast<double>(anywhere) / static_cast<double>(r.queries);
  }
  return r;
}

}  // namespace qvb
