#include "interp.h"

#include <cmath>

namespace qvb {

InterpValue qps_at_recall(const std::vector<SweepPoint>& sweep, double target, bool multi_thread) {
  InterpValue v;
  auto recall = [&](const SweepPoint& p) { return multi_thread ? p.recall_nt : p.recall_1t; };
  auto qps = [&](const SweepPoint& p) { return multi_thread ? p.qps_nt : p.qps_1t; };
  for (size_t i = 0; i < sweep.size(); ++i) {
    if (recall(sweep[i]) < target) continue;
    v.reached = true;
    if (i == 0) {
      v.lower_bound = true;
      v.qps = qps(sweep[0]);
      return v;
    }
    const SweepPoint &a = sweep[i - 1], &b = sweep[i];
    double ra = recall(a), rb = recall(b);
    double f = rb > ra ? (target - ra) / (rb - ra) : 1.0;
    v.qps = std::exp(std::log(qps(a)) + f * (std::log(qps(b)) - std::log(qps(a))));
    return v;
  }
  return v;
}

}  // namespace qvb
