#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace quiver::cli {

using Clock = std::chrono::steady_clock;

Progress::Progress(std::string label, size_t total, bool quiet)
    : label_(std::move(label)),
      total_(total),
      enabled_(!quiet && isatty(STDERR_FILENO)),
      start_(Clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(size_t done) {
  if (!enabled_) return;
  auto now = Clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  // Quiet for the first second; then redraw at most ten times a second.
  if (elapsed < 1.0 || (drawn_ && now - last_draw_ < std::chrono::milliseconds(100))) return;
  last_draw_ = now;
  drawn_ = true;
  double fraction = total_ ? double(done) / double(total_) : 1.0;
  double rate = elapsed > 0 ? double(done) / elapsed : 0.0;
  double eta = rate > 0 ? double(total_ - done) / rate : 0.0;
  constexpr int kWidth = 30;
  int filled = int(fraction * kWidth);
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
  bar[kWidth] = '\0';
  std::fprintf(stderr, "\r%s [%s] %5.1f%%  %zu/%zu  %.0f/s  ETA %.0fs ", label_.c_str(), bar,
               fraction * 100.0, done, total_, rate, eta);
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace quiver::cli
