// A progress bar with rate and ETA on stderr, shown only when stderr is a
// terminal and --quiet is off, and only for work that lasts over a second.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace quiver::cli {

class Progress {
 public:
  Progress(std::string label, size_t total, bool quiet);
  ~Progress();
  void update(size_t done);
  void finish();

 private:
  std::string label_;
  size_t total_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace quiver::cli
