#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace quiver {

unsigned resolve_threads(unsigned requested, size_t work_items) {
  unsigned t = requested;
  if (t == 0) t = std::max(1u, std::thread::hardware_concurrency());
  if (work_items < t) t = static_cast<unsigned>(std::max<size_t>(1, work_items));
  return t;
}

void parallel_for(size_t n, unsigned threads, size_t chunk,
                  const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  chunk = std::max<size_t>(1, chunk);
  threads = resolve_threads(threads, (n + chunk - 1) / chunk);
  if (threads == 1) {
    fn(0, n);
    return;
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      size_t begin = next.fetch_add(chunk, std::memory_order_relaxed);
      if (begin >= n) break;
      try {
        fn(begin, std::min(n, begin + chunk));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  } catch (...) {
    // Could not start all threads: the ones we have (and this one) finish the work.
  }
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace quiver
