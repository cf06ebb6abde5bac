// A reader-writer lock that lets a waiting writer in before new readers.
//
// std::shared_mutex on glibc prefers readers: with searches arriving back to
// back, an add or remove can wait forever. POSIX rwlocks with glibc's
// PREFER_WRITER_NONRECURSIVE kind stop admitting readers once a writer
// waits. Satisfies the SharedMutex requirements, so std::shared_lock and
// std::unique_lock work with it.
#pragma once

#include <pthread.h>

#include <system_error>

namespace quiver {

class WriterPreferringMutex {
 public:
  WriterPreferringMutex() {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int rc = pthread_rwlock_init(&lock_, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "pthread_rwlock_init");
  }
  ~WriterPreferringMutex() { pthread_rwlock_destroy(&lock_); }
  WriterPreferringMutex(const WriterPreferringMutex&) = delete;
  WriterPreferringMutex& operator=(const WriterPreferringMutex&) = delete;

  void lock() { check(pthread_rwlock_wrlock(&lock_)); }
  bool try_lock() { return pthread_rwlock_trywrlock(&lock_) == 0; }
  void unlock() { pthread_rwlock_unlock(&lock_); }
  void lock_shared() { check(pthread_rwlock_rdlock(&lock_)); }
  bool try_lock_shared() { return pthread_rwlock_tryrdlock(&lock_) == 0; }
  void unlock_shared() { pthread_rwlock_unlock(&lock_); }

 private:
  static void check(int rc) {
    // EDEADLK: this thread already holds the lock (e.g. a filter callback
    // writing to the index it is searching); failing beats hanging.
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "index lock");
  }
  pthread_rwlock_t lock_;
};

}  // namespace quiver
