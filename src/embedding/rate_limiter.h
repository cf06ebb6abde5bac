// A requests-per-minute limit shared by every thread using one embedder.
//
// A token bucket of capacity one (equivalently GCRA, the "virtual
// scheduling" form): grants are spaced at least 60 s / rpm apart, so any
// window of 60 s holds at most rpm requests, whatever the number of threads.
// A bucket of capacity one costs nothing for interactive use (a lone query
// after a pause goes at once) and keeps bulk loads evenly paced instead of
// bursting into the server's limit. Each caller reserves its slot under the
// lock and sleeps outside it, so waiting threads are served in order.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "embedding/clock.h"

namespace quiver {

class RateLimiter {
 public:
  // requests_per_minute == 0: no limit (acquire still honours hold_until).
  RateLimiter(uint32_t requests_per_minute, std::shared_ptr<Clock> clock);

  // Waits for and takes the next slot; returns the time it was granted for.
  Clock::Nanos acquire();

  // No slot is granted before t (the server said "retry in 53s": every
  // thread waits, not only the one that was told).
  void hold_until(Clock::Nanos t);

  Clock& clock() { return *clock_; }

 private:
  std::shared_ptr<Clock> clock_;
  Clock::Nanos interval_;
  std::mutex mutex_;
  Clock::Nanos next_{Clock::Nanos::min()};
};

}  // namespace quiver
