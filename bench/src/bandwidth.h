// Memory bandwidth baselines for the flat-scan figures, measured in the same
// run: memcpy, and a streaming read that sums every float of a buffer.
#pragma once

#include <cstddef>

namespace qvb {

class ThreadPool;

// Bytes copied per second (1e9 = 1 GB/s) by memcpy of `bytes` from src into a
// fresh buffer, one thread; best of `trials` timings of >= min_time s.
double memcpy_gbps(const void* src, size_t bytes, double min_time, int trials);

// Bytes read per second summing count floats on pool.size() threads.
double read_gbps(const float* data, size_t count, ThreadPool& pool, double min_time, int trials);

}  // namespace qvb
