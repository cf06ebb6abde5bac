// The readers of an HNSW index's node ids (searches and gets), counted so
// that writers can wait for them: an upsert for the searches that began
// before its new node was linked, a renumbering for all of them (and new
// ones wait until it is done). Readers take no lock; registering is two
// atomic operations on a counter of its own cache line.
#pragma once

#include "index/hnsw_index.h"

namespace quiver {

class HnswIndex::ReaderRegistration {
 public:
  // Counts the reader under the current epoch; waits first while the
  // index's readers are paused, unless this thread already reads the index
  // (a filter callback searching it again): the pause waits for that outer
  // reader, so nothing moves until it ends.
  explicit ReaderRegistration(const HnswIndex& index);
  ~ReaderRegistration();
  ReaderRegistration(const ReaderRegistration&) = delete;
  ReaderRegistration& operator=(const ReaderRegistration&) = delete;

  static bool held_on_this_thread(const HnswIndex& index);

 private:
  const HnswIndex& index_;
  uint64_t epoch_ = 0;
  const ReaderRegistration* outer_;  // this thread's enclosing registration, if any
  static thread_local const ReaderRegistration* innermost_;
};

}  // namespace quiver
