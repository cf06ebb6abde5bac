// A minimal parallel-for over [0, n) on plain std::threads.
//
// Batch calls are coarse (thousands of items), so spawning threads per call
// costs little next to the work and keeps the library free of global pools
// that would outlive a dlclose or fight the host application's own threads.
#pragma once

#include <cstddef>
#include <functional>

namespace quiver {

// Number of threads to use for `requested` (0 = all cores), never more than
// `work_items` and never less than 1.
unsigned resolve_threads(unsigned requested, size_t work_items);

// Calls fn(begin, end) on disjoint chunks covering [0, n) from `threads`
// threads (the caller's thread included). The first exception thrown by any
// chunk is rethrown on the caller's thread after all threads have joined;
// remaining chunks are skipped once one has failed.
void parallel_for(size_t n, unsigned threads, size_t chunk,
                  const std::function<void(size_t, size_t)>& fn);

}  // namespace quiver
