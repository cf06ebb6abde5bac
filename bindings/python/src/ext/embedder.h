// quiver_vec.Embedder: a qv_embedder handle, and for Embedder.from_function
// the Python callable it calls back.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "common.h"
#include "handle_guard.h"

namespace qvpy {

// What the C embedder of from_function calls: the Python function, and the
// exception it raised last (taken by the call that failed because of it).
// Touched only with the GIL held.
struct PythonEmbedFunction {
  nb::object fn;
  uint32_t dim = 0;
  nb::object last_error;
};

class Embedder {
 public:
  Embedder(qv_embedder* handle, std::string kind, std::unique_ptr<PythonEmbedFunction> function);
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  qv_embedder* handle() const { return handle_; }
  const HandleGuard& guard() const { return guard_; }
  uint32_t dim() const { return dim_; }
  const std::string& kind() const { return kind_; }
  void close();
  // The exception of the Python function that made the last call fail, or
  // None; cleared by taking it.
  nb::object take_error();

 private:
  qv_embedder* handle_;
  uint32_t dim_ = 0;
  std::string kind_;
  // Freed only with this object: an index holding the C embedder keeps this
  // Python object alive (Index keeps a reference), so it outlives every call.
  std::unique_ptr<PythonEmbedFunction> function_;
  HandleGuard guard_;
};

// Nonzero while this thread runs a Python callback (filter, embedding
// function) for a Quiver call: closing or compacting then would deadlock.
extern thread_local int t_callback_depth;
void refuse_inside_callback(const char* what);

}  // namespace qvpy
