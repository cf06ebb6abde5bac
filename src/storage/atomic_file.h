// Crash-safe replacement of one file (the protocol is in docs/format.md):
//
//   1. create ".<name>.tmp-<random>" next to the target (same file system,
//      so the rename below is atomic) and flock it: the lock says "a live
//      process is writing this";
//   2. the caller writes the new contents;
//   3. commit(): fsync the file, rename it over the target, fsync the
//      directory, close.
//
// Whatever moment the process dies at, the target name refers either to the
// complete old file or to the complete new one. A killed writer leaves its
// temporary behind, unlocked (the kernel drops a dead process's locks); the
// next save to the same target removes such leftovers, when it starts (so
// that a full disk gets their space back first) and again once committed,
// and so does opening the target (segment_reader.h). Only unlocked ones: a
// lock belongs to an open file description, so one held by another process,
// or by another thread of this one, saving at the same time keeps its
// temporary, and the liveness test never mistakes a reused pid.
//
// Errors while the temporary is written name the target, the file the
// caller asked for (File::set_temporary_of).
#pragma once

#include <string>

#include "storage/posix_file.h"

namespace quiver::storage {

class AtomicFile {
 public:
  // Creates and locks the temporary. Throws NotFound when the directory does
  // not exist, Io when it cannot be written.
  explicit AtomicFile(const std::string& target);
  // Removes the temporary unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  File& file() { return file_; }
  const std::string& target() const { return target_; }

  void commit();

 private:
  std::string target_;
  std::string temp_;
  File file_;
  bool committed_ = false;
};

// Removes the temporaries of `target` that no live process holds locked.
// Best effort: errors (a read-only directory) are ignored.
void remove_stale_temporaries(const std::string& target) noexcept;

}  // namespace quiver::storage
