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

// The words every layer (and the C boundary) uses for these two refusals.
// Bindings pass them through unchanged, so they name no C identifier:
// "loading" and "memory-mapping" are what every binding's open mode is called.
[[noreturn]] inline void fail_read_only() {
  fail(Status::Unsupported,
       "read-only: this index was opened by memory-mapping its file; open it by loading "
       "to modify it");
}

[[noreturn]] inline void fail_no_embedder() {
  fail(Status::InvalidArgument,
       "no embedder is attached to this index (embedders are not saved with an index: "
       "attach one again after opening)");
}

}  // namespace quiver
