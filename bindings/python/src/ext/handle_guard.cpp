// HandleGuard: a writer-preferring shared lock, re-entrant for readers.
#include "handle_guard.h"

#include <algorithm>
#include <vector>

namespace qvpy {
namespace {

// The guards this thread holds shared (a call inside a callback of a call).
thread_local std::vector<const HandleGuard*> t_held;

}  // namespace

bool HandleGuard::held_by_this_thread() const {
  return std::find(t_held.begin(), t_held.end(), this) != t_held.end();
}

bool HandleGuard::try_lock_shared() const {
  const bool reentrant = held_by_this_thread();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!reentrant && (writer_ || writers_waiting_ > 0)) return false;
    ++readers_;
  }
  t_held.push_back(this);
  return true;
}

void HandleGuard::lock_shared() const {
  if (try_lock_shared()) return;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !writer_ && writers_waiting_ == 0; });
    ++readers_;
  }
  t_held.push_back(this);
}

void HandleGuard::unlock_shared() const {
  auto it = std::find(t_held.rbegin(), t_held.rend(), this);
  if (it != t_held.rend()) t_held.erase(std::next(it).base());
  std::lock_guard<std::mutex> lock(mutex_);
  if (--readers_ == 0) changed_.notify_all();
}

bool HandleGuard::try_lock() const {
  if (held_by_this_thread())
    throw std::runtime_error("cannot close or compact from inside a call on the same object");
  std::lock_guard<std::mutex> lock(mutex_);
  if (writer_ || readers_ > 0) return false;
  writer_ = true;
  return true;
}

void HandleGuard::lock() const {
  std::unique_lock<std::mutex> lock(mutex_);
  ++writers_waiting_;
  changed_.wait(lock, [&] { return !writer_ && readers_ == 0; });
  --writers_waiting_;
  writer_ = true;
}

void HandleGuard::unlock() const {
  std::lock_guard<std::mutex> lock(mutex_);
  writer_ = false;
  changed_.notify_all();
}

}  // namespace qvpy
