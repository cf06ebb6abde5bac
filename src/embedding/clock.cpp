// steady_clock(): the real Clock.
#include "embedding/clock.h"

#include <thread>

namespace quiver {
namespace {

class SteadyClock final : public Clock {
 public:
  Nanos now() override {
    return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
  }
  void sleep_until(Nanos t) override {
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(t)));
  }
};

}  // namespace

std::shared_ptr<Clock> steady_clock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<SteadyClock>();
  return clock;
}

}  // namespace quiver
