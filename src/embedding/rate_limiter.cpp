// RateLimiter: GCRA with a tolerance of zero.
#include "embedding/rate_limiter.h"

#include <algorithm>

namespace quiver {

RateLimiter::RateLimiter(uint32_t requests_per_minute, std::shared_ptr<Clock> clock)
    : clock_(std::move(clock)),
      // Rounded up: never a nanosecond faster than the limit allows.
      interval_(
          requests_per_minute == 0
              ? Clock::Nanos::zero()
              : Clock::Nanos((60'000'000'000LL + requests_per_minute - 1) / requests_per_minute)) {}

Clock::Nanos RateLimiter::acquire() {
  Clock::Nanos now, slot;
  {
    std::lock_guard lock(mutex_);
    now = clock_->now();
    slot = std::max(now, next_);
    next_ = slot + interval_;
  }
  if (slot > now) clock_->sleep_until(slot);
  return slot;
}

void RateLimiter::hold_until(Clock::Nanos t) {
  std::lock_guard lock(mutex_);
  next_ = std::max(next_, t);
}

}  // namespace quiver
