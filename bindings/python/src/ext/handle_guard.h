// Keeps a C handle alive while calls use it: any number of calls share it
// (searches from many Python threads, with the GIL released), while close()
// and compact() -- which the C API says must run alone -- wait for them and
// take it exclusively.
//  - Writer preference: once close() or compact() waits, new calls wait too,
//    so a steady stream of searches cannot starve it.
//  - Re-entrant for readers: a thread already using the handle (a Python
//    callback of a running call calling in again) never waits, so it cannot
//    deadlock against a waiting writer.
//  - Waiting never holds the GIL, so a blocked call cannot stall the Python
//    callback (filter, embedder) of a running call.
#pragma once

#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "common.h"

namespace qvpy {

class HandleGuard {
 public:
  // Shared use; false when it would have to wait.
  bool try_lock_shared() const;
  void lock_shared() const;
  void unlock_shared() const;
  // Exclusive use; false when it would have to wait.
  bool try_lock() const;
  void lock() const;
  void unlock() const;

 private:
  bool held_by_this_thread() const;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable int readers_ = 0;
  mutable int writers_waiting_ = 0;
  mutable bool writer_ = false;
};

// Shared use for the duration of one call. Raises ValueError when the handle
// is closed (checked under the lock, as file objects do).
class SharedUse {
 public:
  template <class Handle>
  SharedUse(const HandleGuard& guard, Handle* const& handle, const char* closed_message)
      : guard_(guard) {
    if (!guard_.try_lock_shared()) {
      nb::gil_scoped_release nogil;
      guard_.lock_shared();
    }
    if (!handle) {
      guard_.unlock_shared();
      throw nb::value_error(closed_message);
    }
  }
  ~SharedUse() { guard_.unlock_shared(); }
  SharedUse(const SharedUse&) = delete;
  SharedUse& operator=(const SharedUse&) = delete;

 private:
  const HandleGuard& guard_;
};

// Exclusive use: waits (without the GIL) until no call uses the handle.
// Refused (RuntimeError) from a thread that is using it itself.
class ExclusiveUse {
 public:
  explicit ExclusiveUse(const HandleGuard& guard) : guard_(guard) {
    if (!guard_.try_lock()) {
      nb::gil_scoped_release nogil;
      guard_.lock();
    }
  }
  ~ExclusiveUse() { guard_.unlock(); }
  ExclusiveUse(const ExclusiveUse&) = delete;
  ExclusiveUse& operator=(const ExclusiveUse&) = delete;

 private:
  const HandleGuard& guard_;
};

}  // namespace qvpy
