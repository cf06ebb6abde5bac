// QPS at a target recall, interpolated on an ef sweep.
#pragma once

#include <vector>

#include "measure.h"

namespace qvb {

struct InterpValue {
  bool reached = false;      // false: no ef in the sweep got to the target
  bool lower_bound = false;  // the smallest ef was already above the target
  double qps = 0;
};

// Walks the sweep in ef order to the first point with recall >= target and
// interpolates between it and the point before, linearly in recall against
// log(QPS). `multi_thread` picks the all-threads columns.
InterpValue qps_at_recall(const std::vector<SweepPoint>& sweep, double target, bool multi_thread);

}  // namespace qvb
