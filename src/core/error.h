// Internal error type. C++ code throws quiver::Error; only src/capi/ turns it
// into a qv_status and a thread-local message.
#pragma once

#include <stdexcept>
#include <string>

namespace quiver {

// Mirrors qv_status one to one (same order, same values) so the C boundary
// translates with a cast; a static_assert in src/capi checks that.
enum class Status {
  Ok = 0,
  InvalidArgument,
  DimensionMismatch,
  NotFound,
  DuplicateKey,
  Io,
  Corrupt,
  Unsupported,
  OutOfMemory,
  Embedding,
  Internal,
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const noexcept { return status_; }

 private:
  Status status_;
};

[[noreturn]] inline void fail(Status status, const std::string& message) {
  throw Error(status, message);
}

// Every layer refuses a change to a mapped (read-only) index with these words.
[[noreturn]] inline void fail_read_only() {
  fail(Status::Unsupported,
       "this index was opened by mapping its file and is read-only; load the file "
       "(open it without mapping) to change it");
}

}  // namespace quiver
