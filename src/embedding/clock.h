// Time as the embedders see it. Production code uses steady_clock(); tests
// inject a fake clock whose sleeps only move time forward, so rate limits and
// retry back-off are tested in microseconds of real time.
#pragma once

#include <chrono>
#include <memory>

namespace quiver {

class Clock {
 public:
  using Nanos = std::chrono::nanoseconds;  // since an arbitrary epoch, monotonic

  virtual ~Clock() = default;
  virtual Nanos now() = 0;
  // Returns once now() >= t (at once when t is already past). Thread-safe.
  virtual void sleep_until(Nanos t) = 0;
};

// The process's monotonic clock (std::chrono::steady_clock). Shared, never null.
std::shared_ptr<Clock> steady_clock();

}  // namespace quiver
