// Recall against exact ground truth, aware of distance ties, and self-recall
// for queries that are base vectors themselves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"

namespace qvb {

// Relative slack on squared L2 when comparing a returned key's true distance
// with the k-th true distance: covers float rounding in the ground truth.
constexpr double kTieEpsilon = 1e-6;

// Tie-aware mean recall@k of ids (nq x k base row ids, -1 = none, from the
// first nq queries) against ds.gt: a returned key counts when its true
// distance to the query is <= the k-th true distance (times 1 + kTieEpsilon).
// Among exact copies any one is a right answer; without ties this is plain
// recall@k. A key returned twice for one query counts once.
double recall_at_k(const std::vector<int64_t>& ids, size_t nq, size_t k, const Dataset& ds);

struct SelfRecall {
  size_t queries = 0;    // queries that equal a base row (ds.self_ids); 0 = not measured
  double first = -1;     // fraction whose first result is that row or a row at distance 0
  double in_top_k = -1;  // fraction with such a row anywhere in the k results
};

// Over the queries among the first nq that have a self id.
SelfRecall self_recall(const std::vector<int64_t>& ids, size_t nq, size_t k, const Dataset& ds);

}  // namespace qvb
