// What a qv_index handle holds: the C++ index plus what the C API needs.
#pragma once

#include <memory>

#include "index/vector_index.h"
#include "quiver/quiver.h"

struct qv_index {
  std::unique_ptr<quiver::VectorIndex> impl;
  qv_index_options options;  // as created (or as read from disk)
  bool read_only = false;    // opened with QV_OPEN_MMAP
};
