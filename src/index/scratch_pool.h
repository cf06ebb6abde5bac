// Per-thread scratch buffers that outlive the threads that used them.
//
// A search leases one Scratch per call from a per-thread stack (a filter
// callback may itself search, re-entrantly, on the same thread). Batch calls
// run on threads started for the call; a fresh Scratch costs allocations and
// page faults in proportion to the index (the visited set alone is 4 bytes a
// node), paid again by every new thread. So a thread that ends hands its
// buffers to a process-wide shelf, and the next new thread takes them from
// there instead of allocating: one lock per thread start and end, none per
// search.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace quiver {

template <typename Scratch>
class ScratchPool {
 public:
  // Leases a Scratch of the calling thread for the lifetime of the lease.
  class Lease {
   public:
    Lease() : stack_(stack_for_this_thread()) {
      if (stack_.depth == stack_.items.size()) stack_.items.push_back(shelf().take());
      scratch_ = stack_.items[stack_.depth++].get();
    }
    ~Lease() { --stack_.depth; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Scratch& get() { return *scratch_; }

   private:
    struct Stack {
      std::vector<std::unique_ptr<Scratch>> items;
      size_t depth = 0;
      ~Stack() {
        for (auto& s : items) shelf().give(std::move(s));
      }
    };
    static Stack& stack_for_this_thread() {
      thread_local Stack stack;
      return stack;
    }
    Stack& stack_;
    Scratch* scratch_;
  };

 private:
  class Shelf {
   public:
    std::unique_ptr<Scratch> take() {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!items_.empty()) {
          auto s = std::move(items_.back());
          items_.pop_back();
          return s;
        }
      }
      return std::make_unique<Scratch>();
    }
    void give(std::unique_ptr<Scratch> s) {
      std::lock_guard<std::mutex> lock(mutex_);
      // Enough for every core's worker; beyond that, memory is worth more.
      if (items_.size() < capacity_) items_.push_back(std::move(s));
    }

   private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<Scratch>> items_;
    const size_t capacity_ = std::max(2u, std::thread::hardware_concurrency());
  };

  // Never destroyed: threads may end (and give back) after static
  // destructors have run at exit. It stays reachable, so leak checkers do
  // not report it.
  static Shelf& shelf() {
    static Shelf* s = new Shelf;
    return *s;
  }
};

}  // namespace quiver
