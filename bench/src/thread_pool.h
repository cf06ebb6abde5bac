// A small persistent thread pool: run(n, chunk, fn) calls fn(begin, end) on
// disjoint chunks of [0, n) from all pool threads plus the caller, and returns
// when every chunk is done. Used by the hnswlib adapter (batch search, build),
// ground truth and the bandwidth baseline, so no thread is spawned per call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qvb {

class ThreadPool {
 public:
  // `threads` counts the caller: ThreadPool(1) starts no thread at all.
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // fn(begin, end) must not throw.
  void run(size_t n, size_t chunk, const std::function<void(size_t, size_t)>& fn);

 private:
  void worker_loop();
  void drain();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  const std::function<void(size_t, size_t)>* job_ = nullptr;
  size_t n_ = 0;
  size_t chunk_ = 1;
  std::atomic<size_t> next_{0};
  unsigned busy_ = 0;
  unsigned long long generation_ = 0;
  bool stop_ = false;
};

// All hardware threads, at least 1.
unsigned hardware_threads();

}  // namespace qvb
